"""The scenario the documentation's examples are captured from: calls in the order a
client makes them, on the demo data (seed_demo), ids of created records chained."""

from . import (
    calls_account,
    calls_automation,
    calls_catalog,
    calls_chat,
    calls_comments,
    calls_data_jobs,
    calls_documents,
    calls_files,
    calls_meetings,
    calls_notifications,
    calls_organizations,
    calls_search,
)
from .capture import Call

LOGIN = [
    Call(
        "Log in as the demo user",
        "POST",
        "/api/v1/auth/token/",
        account=None,
        body={"username": "demo", "password": "demo"},
    ),
]

PRODUCTS = [
    Call(
        "Find the demo organization",
        "GET",
        "/api/v1/organizations/",
        query={"code": "DEMO"},
        save={"organization": "results.0.id"},
    ),
    Call(
        "Read a product category",
        "GET",
        "/api/v1/categories/office-chairs/",
        save={"category": "id"},
    ),
    Call("List the products", "GET", "/api/v1/products/", query={"page_size": 2}),
    Call(
        "Create a product",
        "POST",
        "/api/v1/products/",
        body={
            "organization": "{organization}",
            "name": "Monitor Arm",
            "sku": "ARM-001",
            "description": "A gas-spring arm for one monitor.",
            "category": "{category}",
            "product_type": "PHYSICAL_GOOD",
            "base_uom": "EA",
            "tags": ["ergonomic", "new"],
        },
        status=201,
        save={"product": "id"},
    ),
    Call(
        "Read the product (its ETag is its version)",
        "GET",
        "/api/v1/products/{product}/",
        save={"product_etag": "header:ETag"},
    ),
    Call(
        "Change its name, if nobody changed it since you read it",
        "PATCH",
        "/api/v1/products/{product}/",
        body={"name": "Monitor Arm XL"},
        headers={"If-Match": "{product_etag}"},
    ),
    Call(
        "A change from the version read before is refused",
        "PATCH",
        "/api/v1/products/{product}/",
        body={"name": "Monitor Arm 2"},
        headers={"If-Match": "{product_etag}"},
        status=412,
    ),
    Call("Activate it", "POST", "/api/v1/products/{product}/activate/", body={}),
    Call("Read its history", "GET", "/api/v1/products/{product}/history/"),
    Call("Delete it", "DELETE", "/api/v1/products/{product}/", status=204),
]

# Each group leaves the demo data as it found it; the account's own calls come last.
SCENARIO = [
    *LOGIN,
    *PRODUCTS,
    *calls_catalog.CALLS,
    *calls_files.CALLS,
    *calls_documents.CALLS,
    *calls_comments.CALLS,
    *calls_chat.CALLS,
    *calls_meetings.CALLS,
    *calls_organizations.CALLS,
    *calls_data_jobs.CALLS,
    *calls_search.CALLS,
    *calls_automation.CALLS,
    *calls_notifications.CALLS,
    *calls_notifications.TEMPLATES,
    *calls_account.CALLS,
]
