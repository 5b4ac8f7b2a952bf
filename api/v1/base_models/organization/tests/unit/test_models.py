"""The models of the organization app: types, organizations (a tree), memberships."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import (
    Organization,
    OrganizationMembership,
    OrganizationType,
)
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    OrganizationTypeFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from core.models import CustomFieldDefinition

pytestmark = pytest.mark.django_db

SEEDED_TYPES = {
    "Company",
    "Division",
    "Department",
    "Team",
    "Location/Branch",
    "Customer",
    "Supplier",
    "Partner",
    "Vendor",
}


def tree_state():
    """(pk, parent, tree_id, lft, rght, level) of every organization, from the database."""
    return sorted(
        Organization.objects.values_list("pk", "parent_id", "tree_id", "lft", "rght", "level")
    )


# ------------------------------------------------------------------ OrganizationType
class TestOrganizationType:
    def test_the_name_is_the_primary_key_and_the_string(self):
        kind = OrganizationType.objects.create(name="Joint Venture", description="Shared.")

        assert kind.pk == "Joint Venture"
        assert str(kind) == "Joint Venture"
        assert OrganizationType.objects.get(pk="Joint Venture").description == "Shared."

    def test_a_second_type_with_the_same_name_is_refused(self):
        OrganizationType.objects.create(name="Joint Venture")

        with pytest.raises(IntegrityError), transaction.atomic():
            OrganizationType.objects.create(name="Joint Venture")

    def test_the_migration_seeds_the_nine_usual_types(self):
        seeded = dict(OrganizationType.objects.values_list("name", "description"))

        assert set(seeded) >= SEEDED_TYPES
        assert all(seeded[name] for name in SEEDED_TYPES)  # each has a description
        assert seeded["Location/Branch"] == "A physical office or branch location."

    def test_a_type_in_use_cannot_be_deleted(self):
        organization = OrganizationFactory(organization_type=OrganizationTypeFactory(name="Team"))

        with pytest.raises(ProtectedError), transaction.atomic():
            OrganizationType.objects.get(name="Team").delete()
        assert Organization.objects.filter(pk=organization.pk).exists()


# ---------------------------------------------------------------------- Organization
class TestOrganizationFields:
    def test_name_code_and_type_are_required(self):
        with pytest.raises(ValidationError) as excinfo:
            Organization().full_clean()

        assert {"name", "code", "organization_type"} <= set(excinfo.value.message_dict)

    def test_a_minimal_organization_gets_the_defaults(self, settings):
        organization = Organization.objects.create(
            name="Minimal", code="MIN", organization_type_id="Company"
        )
        organization.refresh_from_db()

        assert organization.status == "active"
        assert organization.timezone == settings.TIME_ZONE == "UTC"
        assert organization.language == settings.LANGUAGE_CODE == "en"
        assert organization.metadata == {}
        assert organization.custom_fields == {}
        assert organization.parent is None
        assert str(organization) == "Minimal"

    def test_the_defaults_follow_the_settings(self, settings):
        settings.TIME_ZONE = "Europe/Paris"
        settings.LANGUAGE_CODE = "fr"

        organization = Organization.objects.create(
            name="Paris", code="PAR", organization_type_id="Company"
        )

        assert (organization.timezone, organization.language) == ("Europe/Paris", "fr")

    def test_an_unknown_timezone_or_language_fails_validation(self):
        organization = OrganizationFactory.build(
            organization_type=OrganizationType.objects.get(name="Company"),
            timezone="Mars/Olympus",
            language="xx",
        )

        with pytest.raises(ValidationError) as excinfo:
            organization.full_clean()

        assert set(excinfo.value.message_dict) == {"timezone", "language"}


class TestOrganizationConstraints:
    def test_codes_are_unique_case_insensitively_in_the_database(self):
        OrganizationFactory(code="ACME")

        with pytest.raises(IntegrityError), transaction.atomic():
            OrganizationFactory(code="acme")
        assert Organization.objects.filter(code__iexact="acme").count() == 1

    def test_full_clean_reports_a_duplicate_code_of_another_case(self):
        OrganizationFactory(code="ACME")
        duplicate = OrganizationFactory.build(
            code="Acme", organization_type=OrganizationType.objects.get(name="Company")
        )

        with pytest.raises(ValidationError):
            duplicate.full_clean()

    def test_names_are_unique_among_the_children_of_one_parent(self):
        parent = OrganizationFactory()
        OrganizationFactory(name="Sales", parent=parent)

        with pytest.raises(IntegrityError), transaction.atomic():
            OrganizationFactory(name="Sales", parent=parent)

    def test_the_same_name_under_two_parents_is_allowed(self):
        first, second = OrganizationFactory(), OrganizationFactory()

        OrganizationFactory(name="Sales", parent=first)
        OrganizationFactory(name="Sales", parent=second)

        assert Organization.objects.filter(name="Sales").count() == 2

    def test_names_are_unique_among_top_level_organizations(self):
        # NULL parents are distinct for a plain unique constraint: a partial one covers them.
        OrganizationFactory(name="Acme")

        with pytest.raises(IntegrityError), transaction.atomic():
            OrganizationFactory(name="Acme")

    def test_a_child_may_have_the_name_of_a_top_level_organization(self):
        acme = OrganizationFactory(name="Acme")

        child = OrganizationFactory(name="Acme", parent=acme)

        assert child.parent == acme

    def test_the_end_date_may_not_precede_the_effective_date_in_the_database(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            OrganizationFactory(
                effective_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 4, 30)
            )

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (datetime.date(2024, 5, 1), datetime.date(2024, 5, 1)),
            (datetime.date(2024, 5, 1), None),
            (None, datetime.date(2024, 5, 1)),
        ],
    )
    def test_valid_periods_are_accepted(self, start, end):
        organization = OrganizationFactory(effective_date=start, end_date=end)

        organization.full_clean()  # no error
        assert organization.pk is not None


class TestOrganizationClean:
    def test_clean_refuses_an_end_date_before_the_effective_date(self):
        organization = OrganizationFactory()
        organization.effective_date = datetime.date(2024, 5, 1)
        organization.end_date = datetime.date(2024, 1, 1)

        with pytest.raises(ValidationError) as excinfo:
            organization.clean()

        assert "end_date" in excinfo.value.message_dict

    def test_clean_refuses_an_organization_as_its_own_parent(self):
        organization = OrganizationFactory()
        organization.parent = organization

        with pytest.raises(ValidationError) as excinfo:
            organization.clean()

        assert "parent" in excinfo.value.message_dict

    def test_clean_refuses_a_descendant_as_parent(self):
        root = OrganizationFactory()
        child = OrganizationFactory(parent=root)
        grandchild = OrganizationFactory(parent=child)
        root.parent = grandchild

        with pytest.raises(ValidationError) as excinfo:
            root.clean()

        assert "parent" in excinfo.value.message_dict

    def test_clean_accepts_a_move_elsewhere(self):
        root, other = OrganizationFactory(), OrganizationFactory()
        child = OrganizationFactory(parent=root)
        child.parent = other

        child.clean()  # no error


class TestOrganizationTree:
    def test_mptt_fields_describe_the_hierarchy(self):
        root = OrganizationFactory(name="Root")
        division = OrganizationFactory(name="Division", parent=root)
        team = OrganizationFactory(name="Team", parent=division)
        for organization in (root, division, team):
            organization.refresh_from_db()

        assert (root.level, division.level, team.level) == (0, 1, 2)
        assert root.tree_id == division.tree_id == team.tree_id
        assert root.lft < division.lft < team.lft < team.rght < division.rght < root.rght
        assert list(root.get_descendants()) == [division, team]
        assert list(team.get_ancestors()) == [root, division]
        assert team.is_descendant_of(root)
        assert root.is_root_node()
        assert team.is_leaf_node()

    def test_children_are_ordered_by_name(self):
        root = OrganizationFactory()
        OrganizationFactory(name="Zulu", parent=root)
        OrganizationFactory(name="Alpha", parent=root)
        OrganizationFactory(name="Mike", parent=root)

        assert [child.name for child in root.get_children()] == ["Alpha", "Mike", "Zulu"]

    def test_each_top_level_organization_is_its_own_tree(self):
        first, second = OrganizationFactory(), OrganizationFactory()

        assert first.tree_id != second.tree_id

    def test_tags(self):
        organization = OrganizationFactory(tags=["key-account", "emea"])

        assert set(organization.tags.names()) == {"key-account", "emea"}
        assert list(Organization.objects.filter(tags__name="emea")) == [organization]

        organization.tags.set(["apac"])
        assert list(organization.tags.names()) == ["apac"]


class TestOrganizationDeletion:
    def test_a_parent_with_children_cannot_be_deleted_and_the_tree_stays_intact(self):
        root = OrganizationFactory()
        child = OrganizationFactory(parent=root)
        OrganizationFactory(parent=child)
        OrganizationFactory()  # another tree
        before = tree_state()

        with pytest.raises(ProtectedError):
            child.delete()

        assert tree_state() == before

    def test_an_organization_with_contacts_cannot_be_deleted(self):
        root = OrganizationFactory()
        leaf = OrganizationFactory(parent=root)
        Contact.objects.create(organization=leaf, first_name="Ada")
        before = tree_state()

        with pytest.raises(ProtectedError) as excinfo:
            leaf.delete()

        assert [type(obj) for obj in excinfo.value.protected_objects] == [Contact]
        assert tree_state() == before

    def test_a_leaf_is_deleted_with_its_memberships_and_the_tree_closes_the_gap(self):
        root = OrganizationFactory()
        leaf = OrganizationFactory(name="A leaf", parent=root)
        sibling = OrganizationFactory(name="B sibling", parent=root)
        membership = OrganizationMembershipFactory(organization=leaf)

        leaf.delete()

        root.refresh_from_db()
        sibling.refresh_from_db()
        assert not OrganizationMembership.objects.filter(pk=membership.pk).exists()
        assert (root.lft, root.rght) == (1, 4)
        assert (sibling.lft, sibling.rght) == (2, 3)

    def test_deleting_a_linked_organization_unlinks_contacts(self):
        owner, customer = OrganizationFactory(), OrganizationFactory()
        contact = Contact.objects.create(
            organization=owner, first_name="Ada", linked_organization=customer
        )

        customer.delete()

        contact.refresh_from_db()
        assert contact.linked_organization is None


class TestOrganizationCustomFields:
    @pytest.fixture
    def define(self):
        def make(key, **fields):
            return CustomFieldDefinition.objects.create(
                content_type=ContentType.objects.get_for_model(Organization), key=key, **fields
            )

        return make

    def test_the_definitions_of_an_organization_are_its_own_and_of_a_new_one_its_parents(self):
        parent = OrganizationFactory()
        saved = OrganizationFactory(parent=parent)
        new = Organization(name="New", code="NEW", organization_type_id="Company", parent=parent)

        assert saved.custom_fields_organization() == saved
        assert new.custom_fields_organization() == parent
        assert Organization(name="Top").custom_fields_organization() is None

    def test_without_definitions_any_object_is_accepted(self):
        organization = OrganizationFactory()
        organization.custom_fields = {"anything": [1, 2]}

        organization.full_clean()

    def test_unknown_keys_wrong_types_and_missing_required_keys_fail(self, define):
        define("employees", field_type="integer")
        define("sector", field_type="text", required=True)
        organization = OrganizationFactory()
        organization.custom_fields = {"employees": "many", "colour": "red"}

        with pytest.raises(ValidationError) as excinfo:
            organization.full_clean()

        messages = " ".join(excinfo.value.message_dict["custom_fields"])
        assert "employees" in messages
        assert "colour" in messages
        assert "sector" in messages

    def test_valid_custom_fields_are_accepted(self, define):
        define("employees", field_type="integer", min_value=0)
        organization = OrganizationFactory()
        organization.custom_fields = {"employees": 12}

        organization.full_clean()

        assert organization.custom_fields == {"employees": 12}

    def test_an_organizations_definition_overrides_the_global_one_for_it_only(self, define):
        acme, other = OrganizationFactory(), OrganizationFactory()
        define("grade", field_type="integer")
        define("grade", field_type="choice", choices=["gold", "silver"], organization=acme)

        acme.custom_fields = {"grade": "gold"}
        acme.full_clean()
        other.custom_fields = {"grade": "gold"}
        with pytest.raises(ValidationError):
            other.full_clean()
        other.custom_fields = {"grade": 3}
        other.full_clean()

    def test_a_new_child_is_validated_with_its_parents_definitions(self, define):
        acme = OrganizationFactory()
        define("grade", field_type="choice", choices=["gold"], organization=acme)
        child = Organization(
            name="Child",
            code="CHILD",
            organization_type_id="Company",
            parent=acme,
            custom_fields={"grade": "gold"},
        )

        child.full_clean()

        child.custom_fields = {"grade": "bronze"}
        with pytest.raises(ValidationError):
            child.full_clean()


# ------------------------------------------------------------ OrganizationMembership
class TestOrganizationMembership:
    def test_str(self):
        user = UserFactory(username="ada")
        organization = OrganizationFactory(name="Acme")
        role = RoleFactory(name="Accountant")

        membership = OrganizationMembershipFactory(user=user, organization=organization, role=role)

        assert str(membership) == "ada in Acme as Accountant"
        assert membership.is_active is True

    def test_one_membership_per_user_and_organization(self):
        membership = OrganizationMembershipFactory()

        with pytest.raises(IntegrityError), transaction.atomic():
            OrganizationMembership.objects.create(
                user=membership.user, organization=membership.organization, role=RoleFactory()
            )

    def test_a_role_in_use_cannot_be_deleted(self):
        membership = OrganizationMembershipFactory()

        with pytest.raises(ProtectedError), transaction.atomic():
            membership.role.delete()

    def test_deleting_the_user_deletes_the_memberships(self):
        membership = OrganizationMembershipFactory()

        membership.user.delete()

        assert not OrganizationMembership.objects.filter(pk=membership.pk).exists()


class TestUserGetOrganizations:
    def test_none(self):
        assert list(UserFactory().get_organizations()) == []

    def test_one(self):
        membership = OrganizationMembershipFactory()

        assert list(membership.user.get_organizations()) == [membership.organization]

    def test_several_active_ones_only(self):
        user = UserFactory()
        first, second, inactive, foreign = OrganizationFactory.create_batch(4)
        OrganizationMembershipFactory(user=user, organization=first)
        OrganizationMembershipFactory(user=user, organization=second)
        OrganizationMembershipFactory(user=user, organization=inactive, is_active=False)
        OrganizationMembershipFactory(organization=foreign)  # someone else's

        assert set(user.get_organizations()) == {first, second}

    def test_each_organization_once_however_many_members_it_has(self):
        user = UserFactory()
        organization = OrganizationFactory()
        OrganizationMembershipFactory(user=user, organization=organization)
        for _ in range(3):
            OrganizationMembershipFactory(organization=organization)

        organizations = list(user.get_organizations())

        assert organizations == [organization]
        assert user.get_organizations().count() == 1
