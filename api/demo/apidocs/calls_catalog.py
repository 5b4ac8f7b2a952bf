"""The catalog's examples: reference data, categories, contacts, warehouses and stock
locations, and the product workflow, in the order a client makes the calls.

Run after LOGIN and PRODUCTS of calls.py (they save `organization` and `category`), on
the demo data (seed_demo). What is read is the demo data; what is changed or deleted is
created here first and deleted at the end, so that the demo data is left as it was.
"""

from .capture import Call

# ----------------------------------------------------------------- reference data
# Public: read without credentials.
REFERENCE_DATA = [
    Call(
        "List currencies",
        "GET",
        "/api/v1/currencies/",
        account=None,
        query={"is_active": "true", "ordering": "code", "page_size": 3},
    ),
    Call("Read a currency", "GET", "/api/v1/currencies/EUR/", account=None),
    Call(
        "List the statuses of a category",
        "GET",
        "/api/v1/statuses/",
        account=None,
        query={"category": "Approval", "page_size": 3},
    ),
    Call("Read a status", "GET", "/api/v1/statuses/active/", account=None),
    Call(
        "List units of measure of a type",
        "GET",
        "/api/v1/uoms/",
        account=None,
        query={"uom_type": "Mass", "page_size": 3},
    ),
    Call("Read a unit of measure", "GET", "/api/v1/uoms/KG/", account=None),
    Call(
        "List tax categories",
        "GET",
        "/api/v1/tax-categories/",
        account=None,
        query={"ordering": "code", "page_size": 3},
    ),
    Call("Read a tax category", "GET", "/api/v1/tax-categories/standard/", account=None),
    Call(
        "List the states of a country",
        "GET",
        "/api/v1/tax-jurisdictions/",
        account=None,
        query={"parent": "US", "page_size": 3},
    ),
    Call("Read a tax jurisdiction", "GET", "/api/v1/tax-jurisdictions/US-CA/", account=None),
    Call(
        "List the tax rates of a country valid on a date",
        "GET",
        "/api/v1/tax-rates/",
        account=None,
        query={"jurisdiction": "FR", "valid_on": "2026-01-15", "page_size": 3},
        save={"tax_rate": "results.0.id"},
    ),
    Call("Read a tax rate", "GET", "/api/v1/tax-rates/{tax_rate}/", account=None),
]

# --------------------------------------------------------------------- categories
# Reading is public; writing needs the global permissions on categories ("admin").
CATEGORIES = [
    Call(
        "List the top-level product categories",
        "GET",
        "/api/v1/categories/",
        query={"category_type": "PRODUCT", "is_root": "true"},
    ),
    Call("Read the product category tree", "GET", "/api/v1/categories/tree/PRODUCT/"),
    Call(
        "Create a category",
        "POST",
        "/api/v1/categories/",
        account="admin",
        body={
            "name": "Desk Lamps",
            "description": "Lamps to put on a desk.",
            "parent_slug": "furniture",
            "category_type": "PRODUCT",
        },
        status=201,
        save={"new_category": "slug"},
    ),
    Call("Read a category", "GET", "/api/v1/categories/{new_category}/"),
    Call(
        "Replace a category (here: move it under another)",
        "PUT",
        "/api/v1/categories/{new_category}/",
        account="admin",
        body={
            "name": "Desk Lamps",
            "slug": "{new_category}",
            "description": "LED lamps for desks and workbenches.",
            "parent_slug": "electronics",
            "category_type": "PRODUCT",
            "is_active": True,
        },
    ),
    Call(
        "Deactivate a category",
        "PATCH",
        "/api/v1/categories/{new_category}/",
        account="admin",
        body={"is_active": False},
    ),
    Call(
        "Read a category's history",
        "GET",
        "/api/v1/categories/{new_category}/history/",
        account="admin",
    ),
    Call(
        "Delete a category",
        "DELETE",
        "/api/v1/categories/{new_category}/",
        account="admin",
        status=204,
    ),
]

# ----------------------------------------------------------------------- contacts
CONTACTS = [
    Call(
        "Find contacts by e-mail address",
        "GET",
        "/api/v1/contacts/",
        query={"email": "grace@example.com"},
    ),
    Call(
        "Create a contact with its e-mail addresses, phone numbers and addresses",
        "POST",
        "/api/v1/contacts/",
        body={
            "organization": "{organization}",
            "first_name": "Margaret",
            "last_name": "Hamilton",
            "title": "Purchasing Manager",
            "contact_type": "billing",
            "source": "Trade fair",
            "email_addresses": [{"email": "margaret@example.com", "email_type": "work"}],
            "phone_numbers": [{"phone_number": "+14155552671", "phone_type": "work"}],
            "addresses": [
                {
                    "address": {
                        "street_address_1": "1 Main Street",
                        "city": "Boston",
                        "postal_code": "02108",
                        "country": "US",
                    },
                    "address_type": "billing",
                }
            ],
            "tags": ["supplier"],
        },
        status=201,
        save={
            "contact": "id",
            "contact_email": "email_addresses.0.id",
            "contact_phone": "phone_numbers.0.id",
            "contact_address": "addresses.0.id",
        },
    ),
    Call("Read a contact", "GET", "/api/v1/contacts/{contact}/"),
    Call(
        "Replace a contact (channels with an id are kept, the others added)",
        "PUT",
        "/api/v1/contacts/{contact}/",
        body={
            "organization": "{organization}",
            "first_name": "Margaret",
            "last_name": "Hamilton",
            "title": "Purchasing Manager",
            "department": "Purchasing",
            "contact_type": "billing",
            "status": "active",
            "source": "Trade fair",
            "notes": "Prefers e-mail.",
            "email_addresses": [
                {"id": "{contact_email}", "email": "margaret@example.com", "email_type": "work"},
                {"email": "maggie@example.org", "email_type": "personal"},
            ],
            "phone_numbers": [
                {"id": "{contact_phone}", "phone_number": "+14155552671", "phone_type": "mobile"}
            ],
            "addresses": [
                {
                    "id": "{contact_address}",
                    "address": {
                        "street_address_1": "1 Main Street",
                        "street_address_2": "Suite 200",
                        "city": "Boston",
                        "postal_code": "02108",
                        "country": "US",
                    },
                    "address_type": "billing",
                }
            ],
            "tags": ["supplier", "priority"],
        },
    ),
    Call(
        "Change a contact's title",
        "PATCH",
        "/api/v1/contacts/{contact}/",
        body={"title": "Head of Purchasing"},
    ),
    Call("Read a contact's history", "GET", "/api/v1/contacts/{contact}/history/"),
    Call("Delete a contact", "DELETE", "/api/v1/contacts/{contact}/", status=204),
]

# --------------------------------------------------- warehouses and stock locations
WAREHOUSE_ADDRESS = {
    "street_address_1": "12 Rue de la République",
    "city": "Lyon",
    "postal_code": "69002",
    "country": "FR",
}

INVENTORY = [
    # The demo warehouse and its locations: read only.
    Call(
        "List the warehouses of a country",
        "GET",
        "/api/v1/warehouses/",
        query={"country": "NL"},
        save={"main_warehouse": "results.0.id"},
    ),
    Call(
        "List the top-level locations of a warehouse",
        "GET",
        "/api/v1/warehouses/{main_warehouse}/stock-locations/",
        query={"is_root": "true"},
    ),
    Call(
        "List the stock locations of a warehouse",
        "GET",
        "/api/v1/stock-locations/",
        query={"warehouse": "{main_warehouse}"},
    ),
    Call(
        "Find a location by its barcode",
        "GET",
        "/api/v1/stock-locations/",
        query={"search": "0000101"},
        save={"bin_a1_01": "results.0.id"},
    ),
    Call(
        "List the locations a location is in",
        "GET",
        "/api/v1/stock-locations/{bin_a1_01}/ancestors/",
        save={"zone_a": "results.0.id"},  # from the top: Zone A, then Aisle A1
    ),
    Call(
        "List the sub-locations of a location",
        "GET",
        "/api/v1/stock-locations/{zone_a}/children/",
    ),
    Call(
        "List everything under a location",
        "GET",
        "/api/v1/stock-locations/{zone_a}/descendants/",
    ),
    # A warehouse of its own, changed then deleted.
    Call(
        "Create a warehouse",
        "POST",
        "/api/v1/warehouses/",
        body={
            "organization": "{organization}",
            "name": "Lyon Store",
            "code": "WH-LYON",
            "warehouse_type": "RETAIL_STORE",
            "address": WAREHOUSE_ADDRESS,
            "tags": ["retail"],
        },
        status=201,
        save={"warehouse": "id"},
    ),
    Call("Read a warehouse", "GET", "/api/v1/warehouses/{warehouse}/"),
    Call(
        "Replace a warehouse",
        "PUT",
        "/api/v1/warehouses/{warehouse}/",
        body={
            "organization": "{organization}",
            "name": "Lyon Store",
            "code": "WH-LYON",
            "warehouse_type": "RETAIL_STORE",
            "address": {**WAREHOUSE_ADDRESS, "street_address_2": "Back entrance"},
            "is_active": True,
            "tags": ["retail", "france"],
        },
    ),
    Call(
        "Rename a warehouse",
        "PATCH",
        "/api/v1/warehouses/{warehouse}/",
        body={"name": "Lyon Flagship Store"},
    ),
    Call("Read a warehouse's history", "GET", "/api/v1/warehouses/{warehouse}/history/"),
    Call(
        "Create a location in a warehouse",
        "POST",
        "/api/v1/warehouses/{warehouse}/stock-locations/",
        body={"name": "Shop Floor", "location_type": "ZONE"},
        status=201,
        save={"shop_floor": "id"},
    ),
    Call(
        "Create a stock location",
        "POST",
        "/api/v1/stock-locations/",
        body={"warehouse": "{warehouse}", "name": "Back Room", "location_type": "ZONE"},
        status=201,
        save={"back_room": "id"},
    ),
    Call(
        "Create a location under another",
        "POST",
        "/api/v1/stock-locations/",
        body={
            "warehouse": "{warehouse}",
            "parent": "{back_room}",
            "name": "Shelf S1",
            "barcode": "LYON-S1",
            "location_type": "SHELF",
        },
        status=201,
        save={"shelf": "id"},
    ),
    Call("Read a stock location", "GET", "/api/v1/stock-locations/{shelf}/"),
    Call(
        "Replace a stock location",
        "PUT",
        "/api/v1/stock-locations/{shelf}/",
        body={
            "warehouse": "{warehouse}",
            "parent": "{back_room}",
            "name": "Shelf S1",
            "barcode": "LYON-S1-A",
            "location_type": "SHELF",
            "is_active": True,
        },
    ),
    Call(
        "Rename a stock location",
        "PATCH",
        "/api/v1/stock-locations/{shelf}/",
        body={"name": "Shelf 1"},
    ),
    Call(
        "Move a location under another",
        "POST",
        "/api/v1/stock-locations/{shelf}/move/",
        body={"parent": "{shop_floor}"},
    ),
    Call("Read a stock location's history", "GET", "/api/v1/stock-locations/{shelf}/history/"),
    Call("Delete a stock location", "DELETE", "/api/v1/stock-locations/{shelf}/", status=204),
    # A warehouse with locations cannot be deleted: its locations go first.
    Call(
        "Delete the other locations of the warehouse",
        "DELETE",
        "/api/v1/stock-locations/{shop_floor}/",
        status=204,
    ),
    Call("Delete its last location", "DELETE", "/api/v1/stock-locations/{back_room}/", status=204),
    Call("Delete a warehouse", "DELETE", "/api/v1/warehouses/{warehouse}/", status=204),
]

# ------------------------------------------------------ products: PUT and the workflow
PRODUCT_WORKFLOW = [
    Call(
        "Find the category of desks",
        "GET",
        "/api/v1/categories/desks/",
        save={"desks": "id"},
    ),
    Call(
        "Create a draft product",
        "POST",
        "/api/v1/products/",
        body={
            "organization": "{organization}",
            "name": "Cable Tray",
            "sku": "CBL-TRAY",
            "product_type": "PHYSICAL_GOOD",
            "base_uom": "EA",
        },
        status=201,
        save={"workflow_product": "id"},
    ),
    Call(
        "Replace a product (with what activating it needs: a description, a category)",
        "PUT",
        "/api/v1/products/{workflow_product}/",
        body={
            "organization": "{organization}",
            "name": "Cable Tray",
            "sku": "CBL-TRAY",
            "description": "A steel tray that keeps the cables under a desk.",
            "product_type": "PHYSICAL_GOOD",
            "category": "{desks}",
            "base_uom": "EA",
            "is_inventory_tracked": True,
            "is_purchasable": True,
            "is_sellable": True,
            "tags": ["cable-management"],
            "attributes": {"color": "black", "length_cm": 80},
        },
    ),
    Call(
        "List the transitions you may run on a product",
        "GET",
        "/api/v1/products/{workflow_product}/available-transitions/",
    ),
    Call(
        "Activate the product",
        "POST",
        "/api/v1/products/{workflow_product}/activate/",
        body={},
    ),
    Call(
        "Discontinue a product",
        "POST",
        "/api/v1/products/{workflow_product}/discontinue/",
        body={"reason": "Replaced by a wider model."},
    ),
    Call(
        "Take a product back to draft",
        "POST",
        "/api/v1/products/{workflow_product}/reset-to-draft/",
        body={"reason": "Reworked for the next catalog."},
    ),
    Call("Delete the product", "DELETE", "/api/v1/products/{workflow_product}/", status=204),
]

CALLS = [*REFERENCE_DATA, *CATEGORIES, *CONTACTS, *INVENTORY, *PRODUCT_WORKFLOW]
