"""A sweep of every write endpoint with malformed, mistyped and oversized bodies:
always a 4xx with a message, never a 500 and never a change."""

import pytest
from django.urls import reverse

from api.v1.base_models.user.models import UserProfile

pytestmark = pytest.mark.django_db

PUBLIC = ["token-obtain", "token-obtain-2fa", "token-refresh", "logout"]
AUTHENTICATED_POST = ["totp-setup", "totp-verify", "totp-disable", "password-change"]
BODY_ENDPOINTS = [name for name in PUBLIC + AUTHENTICATED_POST if name != "totp-setup"]


def _url(name):
    return reverse(f"api-v1:{name}")


@pytest.fixture
def client_for(api_client, auth_client):
    return lambda name: api_client if name in PUBLIC else auth_client


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_malformed_json(client_for, name):
    response = client_for(name).post(_url(name), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [[], ["a"], "text", 42, None])
def test_body_not_an_object(client_for, name, body):
    response = client_for(name).post(_url(name), body, format="json")
    assert response.status_code in (400, 401)
    assert response.json()


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_missing_fields(client_for, name):
    response = client_for(name).post(_url(name), {}, format="json")
    assert response.status_code == 400
    assert all(isinstance(messages, list) for messages in response.json().values())


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_wrong_types(client_for, name):
    body = {
        field: {"nested": ["object"]}
        for field in (
            "username",
            "password",
            "challenge",
            "code",
            "refresh",
            "old_password",
            "new_password",
        )
    }
    response = client_for(name).post(_url(name), body, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_oversized_body(client_for, name, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_for(name).post(_url(name), {"username": "x" * 20_000}, format="json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '["a list"]',
        '{"timezone": 42}',
        '{"notification_preferences": "yes"}',
        '{"custom_fields": [1, 2]}',
        '{"manager": "abc"}',
        '{"phone_number": {"a": 1}}',
    ],
)
def test_profile_update_refuses_bad_bodies_without_writing(auth_client, user, body):
    before = UserProfile.objects.filter(user=user).values().get()
    response = auth_client.patch(
        reverse("api-v1:my-profile"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert UserProfile.objects.filter(user=user).values().get() == before


def test_unsupported_media_type(auth_client):
    response = auth_client.patch(
        reverse("api-v1:my-profile"), "<xml/>", content_type="application/xml"
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '["a list"]',
        "42",
        '{"name": {"a": 1}, "category_type": "PRODUCT"}',
        '{"name": "x", "category_type": "NOPE"}',
        '{"name": "x", "category_type": "PRODUCT", "parent": "abc"}',
        '{"name": "x", "category_type": "PRODUCT", "parent_slug": 42}',
        '{"name": "x", "category_type": "PRODUCT", "custom_fields": "text"}',
        '{"name": "x", "category_type": "PRODUCT", "is_active": "perhaps"}',
        '{"name": "' + "x" * 300 + '", "category_type": "PRODUCT"}',
    ],
)
def test_category_create_refuses_bad_bodies_without_writing(superuser_client, body):
    from api.v1.base_models.common.models import Category

    response = superuser_client.post(
        reverse("api-v1:category-list"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()
    assert not Category.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/currencies/?is_active=perhaps",
        "/api/v1/uoms/?uom_type=Weight",
        "/api/v1/tax-jurisdictions/?parent=NOWHERE",
        "/api/v1/tax-rates/?valid_on=31-12-2026",
        "/api/v1/tax-rates/?valid_on=01/02/2026",
        "/api/v1/tax-rates/?is_compound=perhaps",
        "/api/v1/categories/?is_root=perhaps",
        "/api/v1/tax-rates/?jurisdiction=NOWHERE",
        "/api/v1/categories/?category_type=NOPE",
        "/api/v1/categories/tree/PRODUCT/?include_inactive=perhaps",
    ],
)
def test_reference_filters_refuse_bad_values(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 400
    assert response.json()


def test_empty_is_active_lists_active_and_inactive(api_client):
    codes = {
        row["code"]
        for row in api_client.get("/api/v1/currencies/?is_active=&page_size=100&search=X").json()[
            "results"
        ]
    }
    assert {"XTS", "XXX", "XAU"} <= codes
    default = api_client.get("/api/v1/currencies/?page_size=100&search=X").json()["results"]
    assert {"XTS", "XXX"}.isdisjoint({row["code"] for row in default})


TENANT_ENDPOINTS = ["organization-list", "organization-membership-list", "contact-list"]


@pytest.mark.parametrize("name", TENANT_ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '["a list"]',
        "42",
        "{}",
        '{"organization": "abc", "name": {"x": 1}, "code": [1], "first_name": 5, "role": "x"}',
        '{"organization": 999999, "user": 999999, "role": 999999, "first_name": "x",'
        ' "name": "x", "code": "x", "organization_type": "Nope"}',
        '{"custom_fields": [1], "tags": "not-a-list", "first_name": "x", "name": "x"}',
    ],
)
def test_tenant_endpoints_refuse_bad_bodies_without_writing(superuser_client, name, body):
    from api.v1.base_models.contact.models import Contact
    from api.v1.base_models.organization.models import Organization, OrganizationMembership

    counts = (
        Organization.objects.count(),
        Contact.objects.count(),
        OrganizationMembership.objects.count(),
    )
    response = superuser_client.post(
        reverse(f"api-v1:{name}"), body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()
    assert counts == (
        Organization.objects.count(),
        Contact.objects.count(),
        OrganizationMembership.objects.count(),
    )
