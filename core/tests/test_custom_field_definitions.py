"""CustomFieldDefinition: the model's own checks, its constraints, and
/api/v1/custom-field-definitions/ (platform configuration, global permissions)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.base_models.user.tests.factories import UserFactory
from core.models import CustomFieldDefinition
from tests.testapp.models import CustomFieldsThing, TimestampedThing

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api-v1:custom-field-definition-list")
ALL_GLOBAL = [f"core.{verb}_customfielddefinition" for verb in ("view", "add", "change", "delete")]


def detail_url(definition):
    return reverse("api-v1:custom-field-definition-detail", args=[definition.pk])


def definition(key="color", field_type="text", *, model=CustomFieldsThing, **fields):
    return CustomFieldDefinition(
        content_type=ContentType.objects.get_for_model(model),
        key=key,
        field_type=field_type,
        **fields,
    )


def clean_errors(candidate) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        candidate.full_clean()
    return excinfo.value.message_dict


# ------------------------------------------------------------------------ model clean
@pytest.mark.parametrize(
    "fields",
    [
        {"field_type": "text", "max_length": 20},
        {"field_type": "integer", "min_value": 0, "max_value": 10},
        {"field_type": "decimal", "min_value": Decimal("-1.5")},
        {"field_type": "decimal", "min_value": 5, "max_value": 5},
        {"field_type": "boolean", "required": True},
        {"field_type": "date"},
        {"field_type": "choice", "choices": ["a", "b", 3]},
    ],
)
def test_valid_definitions(fields):
    definition(**fields).full_clean()


@pytest.mark.parametrize("model", [Group, TimestampedThing])
def test_the_model_must_have_custom_fields(model):
    assert "content_type" in clean_errors(definition(model=model))


def test_models_with_custom_fields_are_accepted():
    definition(model=Contact).full_clean()


@pytest.mark.parametrize("field_type", ["text", "boolean", "date", "choice"])
def test_bounds_apply_to_numbers_only(field_type):
    extra = {"choices": ["a"]} if field_type == "choice" else {}
    assert "min_value" in clean_errors(definition(field_type=field_type, min_value=1, **extra))
    assert "min_value" in clean_errors(definition(field_type=field_type, max_value=1, **extra))


def test_the_minimum_must_not_exceed_the_maximum():
    errors = clean_errors(definition(field_type="integer", min_value=10, max_value=1))
    assert "max_value" in errors


@pytest.mark.parametrize("choices", [[], None, "a,b", [True, False], [["a"]], [{"a": 1}], [1.5]])
def test_a_choice_field_needs_a_list_of_texts_or_numbers(choices):
    assert "choices" in clean_errors(definition(field_type="choice", choices=choices))


@pytest.mark.parametrize("field_type", ["text", "integer", "decimal", "boolean", "date"])
def test_only_choice_fields_have_choices(field_type):
    assert "choices" in clean_errors(definition(field_type=field_type, choices=["a"]))


@pytest.mark.parametrize("field_type", ["integer", "decimal", "boolean", "date"])
def test_a_maximum_length_applies_to_text_only(field_type):
    assert "max_length" in clean_errors(definition(field_type=field_type, max_length=5))


@pytest.mark.parametrize("key", ["Color", "1color", "col-or", "_color", "", "colour name"])
def test_the_key_is_a_lower_case_identifier(key):
    assert "key" in clean_errors(definition(key=key))


def test_several_errors_at_once():
    errors = clean_errors(
        definition(model=Group, field_type="boolean", min_value=2, max_value=1, max_length=3)
    )
    assert {"content_type", "min_value", "max_value", "max_length"} <= set(errors)


def test_clean_value_uses_the_type():
    assert definition(field_type="decimal").clean_value(1) == "1"
    with pytest.raises(ValidationError):
        definition(field_type="boolean").clean_value("yes")


def test_str():
    org = OrganizationFactory(name="Str Org")
    assert str(definition()) == "customfieldsthing.color (all organizations)"
    assert str(definition(organization=org)) == "customfieldsthing.color (Str Org)"


# ------------------------------------------------------------------------ constraints
def test_one_global_definition_per_model_and_key():
    definition().save()
    # NULL organizations are distinct for a plain unique constraint: the conditional
    # one covers them.
    with pytest.raises(IntegrityError), transaction.atomic():
        definition(field_type="integer").save()


def test_one_definition_per_model_organization_and_key():
    org = OrganizationFactory()
    definition(organization=org).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        definition(organization=org, field_type="integer").save()


def test_the_same_key_in_other_scopes_is_allowed():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    definition().save()
    definition(organization=org_a).save()
    definition(organization=org_b).save()
    definition(model=Contact).save()
    definition(key="size").save()
    assert CustomFieldDefinition.objects.count() == 5


def test_full_clean_reports_the_duplicates():
    org = OrganizationFactory()
    definition().save()
    definition(organization=org).save()
    assert clean_errors(definition())
    assert clean_errors(definition(organization=org))


def test_deleting_the_organization_deletes_its_definitions():
    org = OrganizationFactory()
    definition(organization=org).save()
    definition().save()
    org.delete()
    assert list(CustomFieldDefinition.objects.values_list("organization", flat=True)) == [None]


# ---------------------------------------------------------------------------- the API
@pytest.fixture
def staff(grant_global):
    return grant_global(UserFactory(is_staff=True), *ALL_GLOBAL)


@pytest.fixture
def staff_client(jwt_client, staff):
    return jwt_client(staff)


def payload(**fields):
    return {"model": "contact.contact", "key": "color", "field_type": "text", **fields}


def test_crud_with_the_global_permissions(staff_client, staff):
    org = OrganizationFactory()
    response = staff_client.post(
        LIST_URL,
        payload(
            organization=org.pk,
            key="tier",
            field_type="choice",
            choices=["gold", "silver"],
            required=True,
            label="Tier",
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["model"] == "contact.contact"
    assert body["organization"] == org.pk
    assert body["choices"] == ["gold", "silver"]
    created = CustomFieldDefinition.objects.get(pk=body["id"])
    assert created.created_by == staff

    listed = staff_client.get(LIST_URL).json()["results"]
    assert [row["id"] for row in listed] == [created.pk]
    assert staff_client.get(detail_url(created)).json()["key"] == "tier"

    response = staff_client.patch(
        detail_url(created), {"choices": ["gold", "silver", "bronze"]}, format="json"
    )
    assert response.status_code == 200, response.content
    created.refresh_from_db()
    assert created.choices == ["gold", "silver", "bronze"]

    response = staff_client.put(
        detail_url(created),
        payload(key="tier", field_type="integer", choices=[], min_value="1", max_value="3"),
        format="json",
    )
    assert response.status_code == 200, response.content
    created.refresh_from_db()
    assert (created.field_type, created.choices) == ("integer", [])
    assert (created.min_value, created.max_value) == (Decimal("1"), Decimal("3"))
    # The organization, not sent, is kept.
    assert created.organization == org

    assert staff_client.delete(detail_url(created)).status_code == 204
    assert not CustomFieldDefinition.objects.exists()


def test_a_global_definition_is_created_without_organization(staff_client):
    response = staff_client.post(LIST_URL, payload(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["organization"] is None
    response = staff_client.post(LIST_URL, payload(key="size", organization=None), format="json")
    assert response.status_code == 201, response.content


def test_reading_needs_the_view_permission(jwt_client, grant_global):
    definition().save()
    adder = grant_global(UserFactory(), "core.add_customfielddefinition")
    assert jwt_client(adder).get(LIST_URL).status_code == 403
    assert jwt_client(adder).post(LIST_URL, payload(), format="json").status_code == 201
    viewer = grant_global(UserFactory(), "core.view_customfielddefinition")
    assert jwt_client(viewer).get(LIST_URL).status_code == 200
    assert jwt_client(viewer).post(LIST_URL, payload(key="x"), format="json").status_code == 403


def test_organization_roles_do_not_grant_access(jwt_client, member, org_a):
    existing = definition(organization=org_a)
    existing.save()
    user = member(org_a, *ALL_GLOBAL)
    client = jwt_client(user)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(detail_url(existing)).status_code == 403
    assert client.post(LIST_URL, payload(organization=org_a.pk), format="json").status_code == 403
    assert client.delete(detail_url(existing)).status_code == 403
    assert CustomFieldDefinition.objects.count() == 1


def test_plain_users_get_403_and_anonymous_401(jwt_client):
    existing = definition()
    existing.save()
    assert jwt_client(UserFactory()).get(LIST_URL).status_code == 403
    assert jwt_client(UserFactory()).post(LIST_URL, payload(), format="json").status_code == 403
    assert APIClient().get(LIST_URL).status_code == 401
    assert APIClient().delete(detail_url(existing)).status_code == 401


def test_a_duplicate_global_key_is_a_400(staff_client):
    assert staff_client.post(LIST_URL, payload(), format="json").status_code == 201
    response = staff_client.post(LIST_URL, payload(field_type="integer"), format="json")
    assert response.status_code == 400, response.content
    assert "key" in response.json()
    assert CustomFieldDefinition.objects.count() == 1


def test_a_duplicate_key_in_an_organization_is_a_400(staff_client):
    org = OrganizationFactory()
    body = payload(organization=org.pk)
    assert staff_client.post(LIST_URL, body, format="json").status_code == 201
    response = staff_client.post(LIST_URL, body, format="json")
    assert response.status_code == 400, response.content
    assert "key" in response.json()
    # The global one, another organization's, another model's: all allowed.
    assert staff_client.post(LIST_URL, payload(), format="json").status_code == 201
    other = payload(organization=OrganizationFactory().pk)
    assert staff_client.post(LIST_URL, other, format="json").status_code == 201
    other_model = payload(organization=org.pk, model="organization.organization")
    assert staff_client.post(LIST_URL, other_model, format="json").status_code == 201


def test_an_update_into_a_duplicate_is_a_400(staff_client):
    org = OrganizationFactory()
    definition(model=Contact).save()
    scoped = definition(model=Contact, organization=org)
    scoped.save()
    response = staff_client.patch(detail_url(scoped), {"organization": None}, format="json")
    assert response.status_code == 400, response.content
    scoped.refresh_from_db()
    assert scoped.organization == org
    # Keeping its own key is no duplicate.
    response = staff_client.patch(detail_url(scoped), {"key": "color", "label": "C"})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"model": "nosuch.model"}, "model"),
        ({"model": "contact"}, "model"),
        ({"model": None}, "model"),
        ({"model": "auth.group"}, "content_type"),
        ({"model": "testapp.timestampedthing"}, "content_type"),
        ({"key": "Bad Key"}, "key"),
        ({"key": ""}, "key"),
        ({"field_type": "money"}, "field_type"),
        ({"field_type": "choice"}, "choices"),
        ({"field_type": "choice", "choices": []}, "choices"),
        ({"field_type": "choice", "choices": "a,b"}, "choices"),
        ({"field_type": "choice", "choices": [True]}, "choices"),
        ({"field_type": "choice", "choices": [{"a": 1}]}, "choices"),
        ({"choices": ["a"]}, "choices"),
        ({"min_value": 1}, "min_value"),
        ({"field_type": "integer", "min_value": 5, "max_value": 1}, "max_value"),
        ({"field_type": "integer", "min_value": "abc"}, "min_value"),
        ({"field_type": "integer", "max_length": 3}, "max_length"),
        ({"max_length": -1}, "max_length"),
        ({"organization": 999999}, "organization"),
        ({"organization": "abc"}, "organization"),
    ],
)
def test_bad_input_is_a_400(staff_client, fields, field):
    response = staff_client.post(LIST_URL, payload(**fields), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not CustomFieldDefinition.objects.exists()


def test_a_partial_update_is_checked_with_the_stored_values(staff_client):
    bounded = definition(model=Contact, field_type="integer", min_value=1)
    bounded.save()
    response = staff_client.patch(detail_url(bounded), {"field_type": "text"}, format="json")
    assert response.status_code == 400
    assert "min_value" in response.json()
    response = staff_client.patch(detail_url(bounded), {"max_value": 0}, format="json")
    assert response.status_code == 400
    assert "max_value" in response.json()
    bounded.refresh_from_db()
    assert (bounded.field_type, bounded.max_value) == ("integer", None)


def test_filter_by_organization(staff_client):
    org = OrganizationFactory()
    scoped = definition(model=Contact, organization=org)
    scoped.save()
    definition(model=Contact).save()
    rows = staff_client.get(LIST_URL, {"organization": org.pk}).json()["results"]
    assert [row["id"] for row in rows] == [scoped.pk]
