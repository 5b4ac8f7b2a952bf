"""/api/v1/organizations/: creating and changing organizations, and what is refused."""

import pytest
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.common.models import Address, Currency
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from core.models import CustomFieldDefinition

from .helpers import org_list_url, org_url

pytestmark = pytest.mark.django_db


def payload(**fields):
    return {"name": "Initech", "code": "INITECH", "organization_type": "Company", **fields}


@pytest.fixture
def root_client(jwt_client, superuser):
    return jwt_client(superuser)


# -------------------------------------------------------------------------- basics
class TestCreateAndRead:
    def test_a_superuser_creates_a_top_level_organization(self, root_client, superuser):
        response = root_client.post(
            org_list_url(),
            payload(
                status="inactive",
                effective_date="2024-01-01",
                end_date="2024-12-31",
                currency="EUR",
                timezone="Europe/Paris",
                language="fr",
                metadata={"source": "import"},
            ),
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        organization = Organization.objects.get(pk=body["id"])
        assert (organization.name, organization.code, organization.status) == (
            "Initech",
            "INITECH",
            "inactive",
        )
        assert organization.parent is None
        assert organization.level == 0
        assert organization.currency_id == "EUR"
        assert (organization.timezone, organization.language) == ("Europe/Paris", "fr")
        assert organization.metadata == {"source": "import"}
        assert organization.created_by == superuser
        assert body["organization_type"] == body["organization_type_name"] == "Company"
        assert body["parent"] is None
        assert body["level"] == 0
        assert body["effective_date"] == "2024-01-01"
        assert body["end_date"] == "2024-12-31"
        # The superuser has no role to give the new organization: nobody becomes a member.
        assert not OrganizationMembership.objects.filter(organization=organization).exists()

    def test_defaults_of_a_minimal_payload(self, root_client):
        response = root_client.post(org_list_url(), payload(), format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "active"
        assert (body["timezone"], body["language"]) == ("UTC", "en")
        assert body["tags"] == []
        assert body["metadata"] == {}
        assert body["custom_fields"] == {}
        assert body["primary_address"] is None
        assert body["primary_contact"] is None
        assert body["currency"] is None

    def test_the_code_is_stored_without_surrounding_spaces(self, root_client):
        response = root_client.post(org_list_url(), payload(code="  SPACED "), format="json")

        assert response.status_code == 201, response.content
        assert Organization.objects.get(pk=response.json()["id"]).code == "SPACED"

    def test_read_only_fields_are_ignored(self, root_client):
        organization = OrganizationFactory()

        response = root_client.patch(
            org_url(organization), {"id": 999999, "level": 7}, format="json"
        )

        assert response.status_code == 200
        organization.refresh_from_db()
        assert organization.level == 0
        assert Organization.objects.filter(pk=organization.pk).exists()


# ------------------------------------------------------------------- bad input: 400
class TestValidation:
    @pytest.mark.parametrize("code", ["initech", "INITECH", "IniTech"])
    def test_a_duplicate_code_in_any_case_is_refused_on_create(self, root_client, code):
        OrganizationFactory(code="IniTech")
        before = Organization.objects.count()

        response = root_client.post(org_list_url(), payload(name="Other", code=code), format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["code"]
        assert Organization.objects.count() == before

    def test_a_duplicate_code_is_refused_on_update(self, root_client):
        OrganizationFactory(code="TAKEN")
        organization = OrganizationFactory(code="MINE")

        response = root_client.patch(org_url(organization), {"code": "taken"}, format="json")

        assert response.status_code == 400
        assert "code" in response.json()
        organization.refresh_from_db()
        assert organization.code == "MINE"

    def test_keeping_or_recasing_ones_own_code_is_allowed(self, root_client):
        organization = OrganizationFactory(code="MINE")

        response = root_client.patch(org_url(organization), {"code": "Mine"}, format="json")

        assert response.status_code == 200, response.content
        organization.refresh_from_db()
        assert organization.code == "Mine"

    def test_a_duplicate_name_under_the_same_parent_is_refused(self, root_client):
        parent = OrganizationFactory()
        OrganizationFactory(name="Sales", parent=parent)

        response = root_client.post(
            org_list_url(), payload(name="Sales", parent=parent.pk), format="json"
        )

        assert response.status_code == 400
        assert "name" in response.json()
        assert parent.get_children().count() == 1

    def test_a_duplicate_top_level_name_is_refused(self, root_client):
        OrganizationFactory(name="Initech")

        response = root_client.post(org_list_url(), payload(), format="json")

        assert response.status_code == 400
        assert "name" in response.json()

    def test_renaming_to_a_siblings_name_is_refused(self, root_client):
        parent = OrganizationFactory()
        OrganizationFactory(name="Sales", parent=parent)
        other = OrganizationFactory(name="Support", parent=parent)

        response = root_client.patch(org_url(other), {"name": "Sales"}, format="json")

        assert response.status_code == 400
        assert "name" in response.json()

    def test_the_same_name_under_another_parent_is_accepted(self, root_client):
        first, second = OrganizationFactory(), OrganizationFactory()
        OrganizationFactory(name="Sales", parent=first)

        response = root_client.post(
            org_list_url(), payload(name="Sales", parent=second.pk), format="json"
        )

        assert response.status_code == 201, response.content

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("timezone", "Mars/Olympus"),
            ("language", "xx"),
            ("currency", "ZZZ"),
            ("organization_type", "Guild"),
            ("status", "dormant"),
            ("effective_date", "yesterday"),
            ("parent", 987654),
            ("name", ""),
            ("code", ""),
            ("code", "X" * 51),
        ],
    )
    def test_invalid_values_are_400_on_the_field(self, root_client, field, value):
        before = Organization.objects.count()

        response = root_client.post(org_list_url(), payload(**{field: value}), format="json")

        assert response.status_code == 400, response.content
        assert field in response.json()
        assert Organization.objects.count() == before

    def test_an_inactive_currency_is_refused(self, root_client):
        Currency.objects.filter(pk="EUR").update(is_active=False)

        response = root_client.post(org_list_url(), payload(currency="EUR"), format="json")

        assert response.status_code == 400
        assert "currency" in response.json()

    @pytest.mark.parametrize("field", ["name", "code", "organization_type"])
    def test_required_fields(self, root_client, field):
        data = payload()
        del data[field]

        response = root_client.post(org_list_url(), data, format="json")

        assert response.status_code == 400
        assert field in response.json()

    def test_an_end_date_before_the_effective_date_is_refused(self, root_client):
        response = root_client.post(
            org_list_url(),
            payload(effective_date="2024-06-01", end_date="2024-05-31"),
            format="json",
        )

        assert response.status_code == 400
        assert "end_date" in response.json()
        assert not Organization.objects.filter(code="INITECH").exists()

    def test_an_end_date_before_the_stored_effective_date_is_refused_on_patch(self, root_client):
        import datetime

        organization = OrganizationFactory(effective_date=datetime.date(2024, 6, 1))

        response = root_client.patch(
            org_url(organization), {"end_date": "2024-01-01"}, format="json"
        )

        assert response.status_code == 400
        assert "end_date" in response.json()
        organization.refresh_from_db()
        assert organization.end_date is None

    @pytest.mark.parametrize("metadata", [[1, 2], "text", 3, None])
    def test_metadata_must_be_an_object(self, root_client, metadata):
        response = root_client.post(org_list_url(), payload(metadata=metadata), format="json")

        assert response.status_code == 400
        assert "metadata" in response.json()

    def test_metadata_is_stored_as_given(self, root_client):
        metadata = {"crm": {"id": 42, "synced": True}, "notes": ["a", "b"]}

        response = root_client.post(org_list_url(), payload(metadata=metadata), format="json")

        assert response.status_code == 201
        assert Organization.objects.get(pk=response.json()["id"]).metadata == metadata


# ------------------------------------------------------------------ primary address
class TestPrimaryAddress:
    ADDRESS = {
        "street_address_1": "1 Infinite Loop",
        "city": "Cupertino",
        "state_province": "CA",
        "postal_code": "95014",
        "country": "US",
    }

    def test_written_nested_on_create(self, root_client):
        response = root_client.post(
            org_list_url(), payload(primary_address=self.ADDRESS), format="json"
        )

        assert response.status_code == 201, response.content
        organization = Organization.objects.get(pk=response.json()["id"])
        address = organization.primary_address
        assert (address.street_address_1, address.city, address.country.code) == (
            "1 Infinite Loop",
            "Cupertino",
            "US",
        )
        body = response.json()["primary_address"]
        assert body["id"] == address.pk
        assert body["city"] == "Cupertino"

    def test_an_invalid_address_is_refused_and_nothing_is_written(self, root_client):
        before = (Organization.objects.count(), Address.objects.count())

        response = root_client.post(
            org_list_url(),
            payload(primary_address={**self.ADDRESS, "country": "XX"}),
            format="json",
        )

        assert response.status_code == 400
        assert "country" in response.json()["primary_address"]
        assert (Organization.objects.count(), Address.objects.count()) == before

    def test_updated_in_place_on_patch(self, root_client):
        created = root_client.post(
            org_list_url(), payload(primary_address=self.ADDRESS), format="json"
        ).json()
        address_id = created["primary_address"]["id"]

        response = root_client.patch(
            org_url(created["id"]), {"primary_address": {"city": "Palo Alto"}}, format="json"
        )

        assert response.status_code == 200, response.content
        address = Address.objects.get(pk=address_id)
        assert address.city == "Palo Alto"
        assert address.street_address_1 == "1 Infinite Loop"  # untouched
        assert Organization.objects.get(pk=created["id"]).primary_address_id == address_id
        assert response.json()["primary_address"]["city"] == "Palo Alto"

    def test_added_on_patch_when_there_was_none(self, root_client):
        organization = OrganizationFactory()

        response = root_client.patch(
            org_url(organization), {"primary_address": self.ADDRESS}, format="json"
        )

        assert response.status_code == 200, response.content
        organization.refresh_from_db()
        assert organization.primary_address.city == "Cupertino"

    def test_removed_with_null_and_the_address_row_deleted(self, root_client):
        created = root_client.post(
            org_list_url(), payload(primary_address=self.ADDRESS), format="json"
        ).json()
        address_id = created["primary_address"]["id"]

        response = root_client.patch(
            org_url(created["id"]), {"primary_address": None}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["primary_address"] is None
        assert Organization.objects.get(pk=created["id"]).primary_address is None
        assert not Address.objects.filter(pk=address_id).exists()

    def test_null_without_an_address_is_a_no_op(self, root_client):
        organization = OrganizationFactory()

        response = root_client.patch(
            org_url(organization), {"primary_address": None}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["primary_address"] is None


# ------------------------------------------------------------------ primary contact
class TestPrimaryContact:
    def test_a_contact_of_this_organization_is_accepted(self, root_client):
        organization = OrganizationFactory()
        contact = Contact.objects.create(organization=organization, first_name="Ada")

        response = root_client.patch(
            org_url(organization), {"primary_contact": contact.pk}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["primary_contact"] == contact.pk
        organization.refresh_from_db()
        assert organization.primary_contact == contact

    def test_a_contact_of_another_organization_is_refused(self, root_client):
        organization, other = OrganizationFactory(), OrganizationFactory()
        foreign = Contact.objects.create(organization=other, first_name="Bob")

        response = root_client.patch(
            org_url(organization), {"primary_contact": foreign.pk}, format="json"
        )

        assert response.status_code == 400
        assert "primary_contact" in response.json()
        organization.refresh_from_db()
        assert organization.primary_contact is None

    def test_a_contact_cannot_be_given_on_create(self, root_client):
        # The organization has no contacts before it exists.
        contact = Contact.objects.create(organization=OrganizationFactory(), first_name="Ada")

        response = root_client.post(
            org_list_url(), payload(primary_contact=contact.pk), format="json"
        )

        assert response.status_code == 400
        assert "primary_contact" in response.json()

    def test_cleared_with_null(self, root_client):
        organization = OrganizationFactory()
        contact = Contact.objects.create(organization=organization, first_name="Ada")
        Organization.objects.filter(pk=organization.pk).update(primary_contact=contact)

        response = root_client.patch(
            org_url(organization), {"primary_contact": None}, format="json"
        )

        assert response.status_code == 200
        organization.refresh_from_db()
        assert organization.primary_contact is None
        assert Contact.objects.filter(pk=contact.pk).exists()


# ----------------------------------------------------------------------------- tags
class TestTags:
    def test_set_on_create_replaced_on_patch_and_kept_when_absent(self, root_client):
        created = root_client.post(
            org_list_url(), payload(tags=["emea", "key-account"]), format="json"
        )
        assert created.status_code == 201, created.content
        assert sorted(created.json()["tags"]) == ["emea", "key-account"]
        organization = Organization.objects.get(pk=created.json()["id"])

        response = root_client.patch(org_url(organization), {"tags": ["apac"]}, format="json")
        assert response.status_code == 200
        assert response.json()["tags"] == ["apac"]
        assert list(organization.tags.names()) == ["apac"]

        response = root_client.patch(org_url(organization), {"name": "Renamed"}, format="json")
        assert response.json()["tags"] == ["apac"]

        response = root_client.patch(org_url(organization), {"tags": []}, format="json")
        assert response.status_code == 200
        assert list(organization.tags.names()) == []

    def test_tags_must_be_a_list_of_strings(self, root_client):
        response = root_client.post(org_list_url(), payload(tags=[{"a": 1}]), format="json")

        assert response.status_code == 400
        assert "tags" in response.json()


# -------------------------------------------------------------------- custom fields
class TestCustomFields:
    @pytest.fixture
    def define(self, db):
        def make(key, **fields):
            return CustomFieldDefinition.objects.create(
                content_type=ContentType.objects.get_for_model(Organization), key=key, **fields
            )

        return make

    def test_without_definitions_any_object_is_accepted(self, root_client):
        response = root_client.post(
            org_list_url(), payload(custom_fields={"free": {"form": 1}}), format="json"
        )

        assert response.status_code == 201
        assert response.json()["custom_fields"] == {"free": {"form": 1}}

    def test_custom_fields_must_be_an_object(self, root_client):
        response = root_client.post(org_list_url(), payload(custom_fields=[1]), format="json")

        assert response.status_code == 400
        assert "custom_fields" in response.json()

    def test_valid_values_are_stored(self, root_client, define):
        define("employees", field_type="integer", min_value=0)
        define("segment", field_type="choice", choices=["smb", "enterprise"])

        response = root_client.post(
            org_list_url(),
            payload(custom_fields={"employees": 250, "segment": "enterprise"}),
            format="json",
        )

        assert response.status_code == 201, response.content
        organization = Organization.objects.get(pk=response.json()["id"])
        assert organization.custom_fields == {"employees": 250, "segment": "enterprise"}

    def test_an_unknown_key_is_400_naming_the_key(self, root_client, define):
        define("employees", field_type="integer")

        response = root_client.post(
            org_list_url(), payload(custom_fields={"colour": "red"}), format="json"
        )

        assert response.status_code == 400
        assert list(response.json()["custom_fields"]) == ["colour"]
        assert not Organization.objects.filter(code="INITECH").exists()

    @pytest.mark.parametrize(
        ("definition", "value"),
        [
            ({"field_type": "integer"}, "many"),
            ({"field_type": "integer"}, True),
            ({"field_type": "integer", "max_value": 10}, 11),
            ({"field_type": "boolean"}, "yes"),
            ({"field_type": "date"}, "31/12/2024"),
            ({"field_type": "choice", "choices": ["a", "b"]}, "c"),
            ({"field_type": "text", "max_length": 3}, "long"),
        ],
    )
    def test_a_wrong_value_is_400_naming_the_key(self, root_client, define, definition, value):
        define("extra", **definition)

        response = root_client.post(
            org_list_url(), payload(custom_fields={"extra": value}), format="json"
        )

        assert response.status_code == 400
        assert list(response.json()["custom_fields"]) == ["extra"]

    def test_a_missing_required_key_is_400(self, root_client, define):
        define("sector", field_type="text", required=True)

        response = root_client.post(org_list_url(), payload(custom_fields={}), format="json")

        assert response.status_code == 400
        assert list(response.json()["custom_fields"]) == ["sector"]

    def test_a_required_key_is_needed_even_when_custom_fields_are_left_out(
        self, root_client, define
    ):
        define("sector", field_type="text", required=True)

        response = root_client.post(org_list_url(), payload(), format="json")

        assert response.status_code == 400, response.content
        assert "sector" in response.json()["custom_fields"]
        assert not Organization.objects.filter(code="INITECH").exists()

    def test_an_organizations_definition_overrides_the_global_one(self, root_client, define):
        acme, globex = OrganizationFactory(), OrganizationFactory()
        define("grade", field_type="integer")
        define("grade", field_type="choice", choices=["gold", "silver"], organization=acme)

        own = root_client.patch(org_url(acme), {"custom_fields": {"grade": "gold"}}, format="json")
        assert own.status_code == 200, own.content
        acme.refresh_from_db()
        assert acme.custom_fields == {"grade": "gold"}

        # Globex has only the global (integer) definition.
        other = root_client.patch(
            org_url(globex), {"custom_fields": {"grade": "gold"}}, format="json"
        )
        assert other.status_code == 400
        assert "grade" in other.json()["custom_fields"]
        assert (
            root_client.patch(
                org_url(globex), {"custom_fields": {"grade": 2}}, format="json"
            ).status_code
            == 200
        )
        # A new sub-organization of Acme takes Acme's definitions.
        child = root_client.post(
            org_list_url(),
            payload(parent=acme.pk, custom_fields={"grade": "silver"}),
            format="json",
        )
        assert child.status_code == 201, child.content

    def test_a_definition_made_through_the_api_applies(self, root_client):
        definition = root_client.post(
            "/api/v1/custom-field-definitions/",
            {
                "model": "organization.organization",
                "key": "employees",
                "field_type": "integer",
                "required": True,
                "min_value": "1",
            },
            format="json",
        )
        assert definition.status_code == 201, definition.content

        missing = root_client.post(org_list_url(), payload(), format="json")
        too_small = root_client.post(
            org_list_url(), payload(custom_fields={"employees": 0}), format="json"
        )
        valid = root_client.post(
            org_list_url(), payload(custom_fields={"employees": 5}), format="json"
        )

        assert missing.status_code == too_small.status_code == 400
        assert list(missing.json()["custom_fields"]) == ["employees"]
        assert list(too_small.json()["custom_fields"]) == ["employees"]
        assert valid.status_code == 201, valid.content
        assert valid.json()["custom_fields"] == {"employees": 5}

    def test_patching_other_fields_does_not_revalidate_missing_required_keys(
        self, root_client, define
    ):
        organization = OrganizationFactory()  # made before the definition
        define("sector", field_type="text", required=True)

        response = root_client.patch(org_url(organization), {"name": "Renamed"}, format="json")

        assert response.status_code == 200

    def test_an_inactive_definition_does_not_apply(self, root_client, define):
        define("sector", field_type="text", required=True, is_active=False)

        response = root_client.post(
            org_list_url(), payload(custom_fields={"anything": 1}), format="json"
        )

        assert response.status_code == 201
