"""Field-level permissions: the FieldPermission model, its API, and their effect on the
contact endpoint."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.base_models.user.tests.factories import UserFactory
from rbac.models import FieldPermission

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api-v1:field-permission-list")
CONTACTS_URL = reverse("api-v1:contact-list")
ALL_GLOBAL = [
    "rbac.view_fieldpermission",
    "rbac.add_fieldpermission",
    "rbac.change_fieldpermission",
    "rbac.delete_fieldpermission",
]


def detail_url(rule):
    return reverse("api-v1:field-permission-detail", args=[rule.pk])


def contact_url(contact):
    return reverse("api-v1:contact-detail", args=[contact.pk])


@pytest.fixture
def contact_type(db):
    return ContentType.objects.get_for_model(Contact)


@pytest.fixture
def role(db):
    return RoleFactory(permissions=model_permissions(Contact))


def rule(role, field_name="notes", *, can_read=True, can_write=False):
    return FieldPermission.objects.create(
        role=role,
        content_type=ContentType.objects.get_for_model(Contact),
        field_name=field_name,
        can_read=can_read,
        can_write=can_write,
    )


# ------------------------------------------------------------------------- the model
def test_clean_accepts_a_field_of_the_model(role, contact_type):
    FieldPermission(role=role, content_type=contact_type, field_name="notes").full_clean()


def test_clean_refuses_an_unknown_field(role, contact_type):
    candidate = FieldPermission(role=role, content_type=contact_type, field_name="salary")
    with pytest.raises(ValidationError) as excinfo:
        candidate.full_clean()
    assert "field_name" in excinfo.value.message_dict
    assert "salary" in excinfo.value.message_dict["field_name"][0]


def test_clean_refuses_writing_without_reading(role, contact_type):
    candidate = FieldPermission(
        role=role, content_type=contact_type, field_name="notes", can_read=False, can_write=True
    )
    with pytest.raises(ValidationError) as excinfo:
        candidate.full_clean()
    assert "can_write" in excinfo.value.message_dict


def test_the_database_refuses_writing_without_reading(role, contact_type):
    with pytest.raises(IntegrityError), transaction.atomic():
        FieldPermission.objects.create(
            role=role, content_type=contact_type, field_name="notes", can_read=False, can_write=True
        )


def test_one_rule_per_role_model_and_field(role, contact_type):
    rule(role)
    with pytest.raises(IntegrityError), transaction.atomic():
        rule(role, can_read=False)
    # Another field, or another role, is another rule.
    rule(role, "title")
    rule(RoleFactory())
    assert FieldPermission.objects.count() == 3


def test_str_says_what_the_rule_does(role):
    assert str(rule(role, "notes", can_read=False)).endswith("contact.notes hidden")
    assert str(rule(role, "title")).endswith("contact.title read-only")
    assert str(rule(role, "source", can_write=True)).endswith("contact.source read-write")


def test_deleting_a_role_deletes_its_rules(role):
    rule(role)
    role.delete()
    assert not FieldPermission.objects.exists()


# --------------------------------------------------------------------------- the API
@pytest.fixture
def staff(grant_global):
    return grant_global(UserFactory(is_staff=True), *ALL_GLOBAL)


def test_crud_with_the_global_permissions(jwt_client, staff, role):
    client = jwt_client(staff)
    response = client.post(
        LIST_URL,
        {"role": role.pk, "model": "contact.contact", "field_name": "notes", "can_read": False},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["model"] == "contact.contact"
    assert created["role_name"] == role.name
    assert created["can_read"] is False
    assert created["can_write"] is False
    saved = FieldPermission.objects.get(pk=created["id"])
    assert saved.created_by == staff

    listed = client.get(LIST_URL).json()
    assert [row["id"] for row in listed["results"]] == [created["id"]]
    assert client.get(detail_url(saved)).json()["field_name"] == "notes"

    response = client.patch(detail_url(saved), {"can_read": True}, format="json")
    assert response.status_code == 200, response.content
    saved.refresh_from_db()
    assert saved.can_read is True
    assert saved.updated_by == staff

    response = client.put(
        detail_url(saved),
        {
            "role": role.pk,
            "model": "contact.contact",
            "field_name": "title",
            "can_read": True,
            "can_write": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    saved.refresh_from_db()
    assert (saved.field_name, saved.can_write) == ("title", True)

    assert client.delete(detail_url(saved)).status_code == 204
    assert not FieldPermission.objects.exists()


def test_the_model_is_case_insensitive(jwt_client, staff, role):
    response = jwt_client(staff).post(
        LIST_URL, {"role": role.pk, "model": "Contact.Contact", "field_name": "notes"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["model"] == "contact.contact"


def test_each_permission_is_needed(jwt_client, grant_global, role):
    existing = rule(role)
    reader = grant_global(UserFactory(), "rbac.view_fieldpermission")
    client = jwt_client(reader)
    assert client.get(LIST_URL).status_code == 200
    assert client.get(detail_url(existing)).status_code == 200
    payload = {"role": role.pk, "model": "contact.contact", "field_name": "title"}
    assert client.post(LIST_URL, payload).status_code == 403
    assert client.patch(detail_url(existing), {"can_read": False}).status_code == 403
    assert client.delete(detail_url(existing)).status_code == 403
    # Writing without the view permission: the list is refused, the add allowed.
    writer = grant_global(UserFactory(), "rbac.add_fieldpermission")
    assert jwt_client(writer).get(LIST_URL).status_code == 403
    assert jwt_client(writer).post(LIST_URL, payload).status_code == 201
    existing.refresh_from_db()
    assert existing.can_read is True


def test_organization_administrators_without_global_permissions_are_refused(
    jwt_client, member, org_a, role
):
    existing = rule(role)
    # Holds every permission there is, but as a role in an organization.
    admin = member(
        org_a,
        *ALL_GLOBAL,
        "organization.add_organizationmembership",
        "organization.change_organizationmembership",
        "auth.change_group",
    )
    client = jwt_client(admin)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(detail_url(existing)).status_code == 403
    payload = {"role": role.pk, "model": "contact.contact", "field_name": "title"}
    assert client.post(LIST_URL, payload).status_code == 403
    assert client.delete(detail_url(existing)).status_code == 403
    assert FieldPermission.objects.count() == 1


def test_plain_users_are_refused_and_anonymous_is_401(jwt_client, role):
    existing = rule(role)
    assert jwt_client(UserFactory()).get(LIST_URL).status_code == 403
    assert APIClient().get(LIST_URL).status_code == 401
    assert APIClient().delete(detail_url(existing)).status_code == 401


def test_superusers_may_manage_rules(jwt_client, role):
    superuser = UserFactory(is_superuser=True)
    response = jwt_client(superuser).post(
        LIST_URL, {"role": role.pk, "model": "contact.contact", "field_name": "notes"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"model": "nosuch.model"}, "model"),
        ({"model": "contact"}, "model"),
        ({"model": "contact.contact.contact"}, "model"),
        ({"model": 12}, "model"),
        ({"field_name": "salary"}, "field_name"),
        ({"field_name": ""}, "field_name"),
        ({"can_read": False, "can_write": True}, "can_write"),
        ({"role": 999999}, "role"),
    ],
)
def test_bad_input_is_a_400(jwt_client, staff, role, payload, field):
    body = {"role": role.pk, "model": "contact.contact", "field_name": "notes", **payload}
    response = jwt_client(staff).post(LIST_URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not FieldPermission.objects.exists()


def test_the_field_must_belong_to_the_model_named(jwt_client, staff, role):
    # "code" is a field of organizations, not of contacts.
    body = {"role": role.pk, "model": "contact.contact", "field_name": "code"}
    response = jwt_client(staff).post(LIST_URL, body)
    assert response.status_code == 400
    body["model"] = "organization.organization"
    assert jwt_client(staff).post(LIST_URL, body).status_code == 201


def test_a_duplicate_is_a_400_not_a_500(jwt_client, staff, role):
    rule(role)
    body = {"role": role.pk, "model": "contact.contact", "field_name": "notes", "can_read": False}
    response = jwt_client(staff).post(LIST_URL, body, format="json")
    assert response.status_code == 400, response.content
    assert FieldPermission.objects.count() == 1


def test_an_update_into_a_duplicate_is_a_400(jwt_client, staff, role):
    rule(role, "notes")
    other = rule(role, "title")
    response = jwt_client(staff).patch(detail_url(other), {"field_name": "notes"}, format="json")
    assert response.status_code == 400, response.content
    other.refresh_from_db()
    assert other.field_name == "title"


def test_a_partial_update_is_checked_against_the_stored_rule(jwt_client, staff, role):
    hidden = rule(role, can_read=False)
    response = jwt_client(staff).patch(detail_url(hidden), {"can_write": True}, format="json")
    assert response.status_code == 400
    assert "can_write" in response.json()
    response = jwt_client(staff).patch(detail_url(hidden), {"field_name": "nope"}, format="json")
    assert response.status_code == 400
    assert "field_name" in response.json()


def test_list_filters_by_role(jwt_client, staff, role):
    mine = rule(role)
    rule(RoleFactory())
    response = jwt_client(staff).get(LIST_URL, {"role": role.pk})
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


# ------------------------------------------------------ effect on the contact endpoint
@pytest.fixture
def world(member, org_a, org_b):
    """user_a: `role` in A; other: another full role in A; contacts with notes in A and B."""
    role = RoleFactory(permissions=model_permissions(Contact))
    other_role = RoleFactory(permissions=model_permissions(Contact))
    return {
        "role": role,
        "user": member(org_a, role=role),
        "other": member(org_a, role=other_role),
        "contact_a": ContactFactory(organization=org_a, notes="secret A"),
        "contact_b": ContactFactory(organization=org_b, notes="secret B"),
        "org_a": org_a,
        "org_b": org_b,
    }


def test_a_hidden_field_is_absent_for_that_role_only(world, jwt_client):
    rule(world["role"], can_read=False)
    contact = world["contact_a"]
    client = jwt_client(world["user"])
    detail = client.get(contact_url(contact)).json()
    assert "notes" not in detail
    assert detail["first_name"] == contact.first_name
    rows = client.get(CONTACTS_URL).json()["results"]
    assert rows
    assert all("notes" not in row for row in rows)
    assert "secret A" not in client.get(CONTACTS_URL).content.decode()
    # Another role in the same organization, and a superuser, see it.
    assert jwt_client(world["other"]).get(contact_url(contact)).json()["notes"] == "secret A"
    superuser = UserFactory(is_superuser=True)
    assert jwt_client(superuser).get(contact_url(contact)).json()["notes"] == "secret A"


def test_a_hidden_field_is_absent_from_write_responses_too(world, jwt_client):
    rule(world["role"], can_read=False)
    response = jwt_client(world["user"]).patch(
        contact_url(world["contact_a"]), {"first_name": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    assert "notes" not in response.json()
    assert response.json()["first_name"] == "Renamed"


def test_a_read_only_field_refuses_a_change_naming_the_field(world, jwt_client):
    rule(world["role"], can_read=True, can_write=False)
    contact = world["contact_a"]
    client = jwt_client(world["user"])
    assert client.get(contact_url(contact)).json()["notes"] == "secret A"
    response = client.patch(
        contact_url(contact), {"notes": "changed", "first_name": "New"}, format="json"
    )
    assert response.status_code == 403
    body = response.json()
    assert body["fields"] == ["notes"]
    assert "notes" in body["detail"]
    contact.refresh_from_db()
    # Nothing written, not even the allowed field.
    assert (contact.notes, contact.first_name) != ("changed", "New")
    assert contact.notes == "secret A"


def test_a_read_only_field_sent_unchanged_is_accepted(world, jwt_client):
    rule(world["role"], can_read=True, can_write=False)
    contact = world["contact_a"]
    client = jwt_client(world["user"])
    response = client.patch(
        contact_url(contact), {"notes": "secret A", "first_name": "Echo"}, format="json"
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.notes, contact.first_name) == ("secret A", "Echo")


def test_a_full_update_echoing_the_read_representation_is_accepted(world, jwt_client):
    rule(world["role"], can_read=True, can_write=False)
    contact = world["contact_a"]
    client = jwt_client(world["user"])
    representation = client.get(contact_url(contact)).json()
    representation["title"] = "Changed title"
    response = client.put(contact_url(contact), representation, format="json")
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.title == "Changed title"


def test_other_roles_may_write_the_field(world, jwt_client):
    rule(world["role"], can_read=True, can_write=False)
    contact = world["contact_a"]
    response = jwt_client(world["other"]).patch(
        contact_url(contact), {"notes": "by other"}, format="json"
    )
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.notes == "by other"


def test_a_read_write_rule_changes_nothing(world, jwt_client):
    rule(world["role"], can_read=True, can_write=True)
    contact = world["contact_a"]
    response = jwt_client(world["user"]).patch(
        contact_url(contact), {"notes": "allowed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["notes"] == "allowed"


def test_a_hidden_field_cannot_be_written(world, jwt_client):
    rule(world["role"], can_read=False)
    contact = world["contact_a"]
    response = jwt_client(world["user"]).patch(
        contact_url(contact), {"notes": "overwritten"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["fields"] == ["notes"]
    contact.refresh_from_db()
    assert contact.notes == "secret A"


def test_a_hidden_field_cannot_be_probed_by_sending_a_guess(world, jwt_client):
    # Sending the current value unchanged is allowed for read-only fields (a PUT echoing
    # the read representation); a hidden field is never in that representation, so the
    # answer must not depend on whether a guess matches the hidden value.
    rule(world["role"], can_read=False)
    contact = world["contact_a"]
    client = jwt_client(world["user"])
    wrong = client.patch(contact_url(contact), {"notes": "a guess"}, format="json")
    right = client.patch(contact_url(contact), {"notes": "secret A"}, format="json")
    assert wrong.status_code == right.status_code == 403


def test_a_read_only_field_cannot_be_set_on_create(world, jwt_client):
    rule(world["role"], can_read=True, can_write=False)
    client = jwt_client(world["user"])
    payload = {"organization": world["org_a"].pk, "first_name": "New", "notes": "on create"}
    response = client.post(CONTACTS_URL, payload, format="json")
    assert response.status_code == 403
    assert response.json()["fields"] == ["notes"]
    assert not Contact.objects.filter(first_name="New").exists()
    payload.pop("notes")
    response = client.post(CONTACTS_URL, payload, format="json")
    assert response.status_code == 201, response.content


def test_rules_follow_the_role_in_the_records_organization(world, member, jwt_client):
    # user holds `role` (notes hidden and read-only) in A, and another role in B.
    rule(world["role"], can_read=False)
    user = member(world["org_b"], *model_permissions(Contact), user=world["user"])
    client = jwt_client(user)
    rows = {row["id"]: row for row in client.get(CONTACTS_URL).json()["results"]}
    assert "notes" not in rows[world["contact_a"].pk]
    assert rows[world["contact_b"].pk]["notes"] == "secret B"
    response = client.patch(contact_url(world["contact_b"]), {"notes": "B is mine"})
    assert response.status_code == 200
    response = client.patch(contact_url(world["contact_a"]), {"notes": "A is not"})
    assert response.status_code == 403


def test_the_same_role_in_two_organizations_gets_the_rule_in_both(world, member, jwt_client):
    rule(world["role"], can_read=False)
    member(world["org_b"], role=world["role"], user=world["user"])
    rows = jwt_client(world["user"]).get(CONTACTS_URL).json()["results"]
    assert len(rows) == 2
    assert all("notes" not in row for row in rows)


def test_rules_of_other_models_do_not_apply(world, jwt_client):
    FieldPermission.objects.create(
        role=world["role"],
        content_type=ContentType.objects.get_for_model(world["org_a"]),
        field_name="name",
        can_read=False,
    )
    detail = jwt_client(world["user"]).get(contact_url(world["contact_a"])).json()
    assert detail["notes"] == "secret A"


def _field_rule_queries(client, page_size):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CONTACTS_URL, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    # The rules' own query (the memberships' query asks which roles have any).
    rule_queries = [
        q for q in captured.captured_queries if q["sql"].startswith('SELECT "rbac_fieldpermission"')
    ]
    return len(captured.captured_queries), len(rule_queries)


def test_rules_are_loaded_once_per_request(world, jwt_client):
    rule(world["role"], can_read=False)
    rule(world["role"], "title", can_read=True)
    ContactFactory.create_batch(24, organization=world["org_a"])
    client = jwt_client(world["user"])
    total_5, rules_5 = _field_rule_queries(client, 5)
    total_20, rules_20 = _field_rule_queries(client, 20)
    assert rules_5 == rules_20 == 1
    assert total_5 == total_20


def test_roles_without_rules_do_not_query_them(world, jwt_client):
    other_role = RoleFactory(permissions=["contact.view_contact"])
    rule(other_role, can_read=False)  # rules exist, not for this user's role
    ContactFactory.create_batch(2, organization=world["org_a"])
    total, rules = _field_rule_queries(jwt_client(world["user"]), 2)
    assert rules == 0
    rule(world["role"], can_read=False)
    assert _field_rule_queries(jwt_client(world["user"]), 2) == (total + 1, 1)


def test_users_without_memberships_do_not_query_rules(world, jwt_client):
    rule(world["role"], can_read=False)
    superuser = UserFactory(is_superuser=True)
    _total, rules = _field_rule_queries(jwt_client(superuser), 2)
    assert rules == 0


# -------------------------------------------------------------------------- the Admin
def test_the_role_admin_edits_field_rules_inline(client, role):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    existing = rule(role)
    response = client.get(reverse("admin:auth_group_change", args=[role.pk]))
    assert response.status_code == 200
    assert "field_permissions-TOTAL_FORMS" in response.content.decode()
    response = client.get(reverse("admin:rbac_fieldpermission_changelist"))
    assert response.status_code == 200
    assert existing.field_name in response.content.decode()


def test_the_field_permission_admin_validates(client, role, contact_type):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:rbac_fieldpermission_add"),
        {
            "role": role.pk,
            "content_type": contact_type.pk,
            "field_name": "salary",
            "can_read": "on",
        },
    )
    assert response.status_code == 200
    assert "has no field" in response.content.decode()
    assert not FieldPermission.objects.exists()
    response = client.post(
        reverse("admin:rbac_fieldpermission_add"),
        {"role": role.pk, "content_type": contact_type.pk, "field_name": "notes"},
    )
    assert response.status_code == 302
    created = FieldPermission.objects.get()
    assert (created.can_read, created.can_write, created.created_by) == (False, False, superuser)


def test_a_rule_on_a_field_the_serializer_never_writes_is_harmless(world, jwt_client):
    # created_at is read-only in the serializer: sending it changes nothing, and is not
    # reported as a forbidden write.
    rule(world["role"], "created_at", can_read=True, can_write=False)
    contact = world["contact_a"]
    response = jwt_client(world["user"]).patch(
        contact_url(contact), {"created_at": "2000-01-01T00:00:00Z", "first_name": "Ok"}
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.first_name == "Ok"
    assert contact.created_at.year != 2000


def test_serializers_without_a_request_apply_no_rules(world):
    from api.v1.base_models.contact.serializers import ContactSerializer

    rule(world["role"], can_read=False)
    assert ContactSerializer(world["contact_a"]).data["notes"] == "secret A"
