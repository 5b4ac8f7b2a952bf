"""The Django Admin of contacts: pages, the channel inlines, organization scoping."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from api.v1.base_models.common.models import Address
from api.v1.base_models.contact.models import (
    Contact,
    ContactAddress,
    ContactEmailAddress,
    ContactPhoneNumber,
)
from api.v1.base_models.contact.tests.factories import (
    ContactAddressFactory,
    ContactEmailAddressFactory,
    ContactFactory,
    ContactPhoneNumberFactory,
)
from api.v1.base_models.organization.tests.factories import OrganizationMembershipFactory
from api.v1.base_models.user.tests.factories import UserFactory
from core.models import CustomFieldDefinition

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:contact_contact_changelist")
ADD_URL = reverse("admin:contact_contact_add")
INLINE_PREFIXES = ["email_addresses", "phone_numbers", "addresses"]


def change_url(contact):
    return reverse("admin:contact_contact_change", args=[contact.pk])


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def contact_data(organization, emails=(), **fields):
    """POST data of the contact form, with new e-mail rows (email, is_primary) and empty
    phone and address inlines."""
    data = {
        "organization": str(organization.pk),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "title": "",
        "department": "",
        "contact_type": "primary",
        "status": "active",
        "source": "",
        "tags": "",
        "linked_organization": "",
        "notes": "",
        "custom_fields": "{}",
        "_save": "Save",
        **management("email_addresses", len(emails)),
        **management("phone_numbers", 0),
        **management("addresses", 0),
        **fields,
    }
    for index, (email, primary) in enumerate(emails):
        data[f"email_addresses-{index}-id"] = ""
        data[f"email_addresses-{index}-contact"] = ""
        data[f"email_addresses-{index}-email"] = email
        data[f"email_addresses-{index}-email_type"] = "work"
        if primary:
            data[f"email_addresses-{index}-is_primary"] = "on"
    return data


def form_errors(response):
    errors = dict(response.context["adminform"].form.errors)
    for formset in response.context["inline_admin_formsets"]:
        if formset.formset.errors or formset.formset.non_form_errors():
            errors[formset.formset.prefix] = [
                *formset.formset.errors,
                *formset.formset.non_form_errors(),
            ]
    return errors


class TestPages:
    def test_changelist(self, admin_client, org):
        contact = ContactFactory(organization=org, first_name="Ada", last_name="Lovelace")
        response = admin_client.get(CHANGELIST_URL)
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [contact]
        assert b"Ada Lovelace" in response.content

    def test_changelist_search_by_email(self, admin_client, org):
        ada = ContactFactory(organization=org, first_name="Ada")
        ContactEmailAddressFactory(contact=ada, email="ada@engines.example")
        ContactFactory(organization=org, first_name="Grace")
        response = admin_client.get(CHANGELIST_URL, {"q": "engines.example"})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [ada]

    def test_add_page_has_the_three_inlines(self, admin_client):
        response = admin_client.get(ADD_URL)
        assert response.status_code == 200
        formsets = response.context["inline_admin_formsets"]
        # Its comments (api.v1.features.collaboration) come last, read-only and empty.
        formsets = formsets[:-1]
        assert [f.formset.prefix for f in formsets] == INLINE_PREFIXES
        assert [f.formset.model for f in formsets] == [
            ContactEmailAddress,
            ContactPhoneNumber,
            ContactAddress,
        ]
        content = response.content.decode()
        for prefix in INLINE_PREFIXES:
            assert f'name="{prefix}-TOTAL_FORMS"' in content

    def test_change_page_shows_the_channels(self, admin_client, org):
        contact = ContactFactory(organization=org)
        email = ContactEmailAddressFactory(contact=contact, email="shown@example.com")
        ContactPhoneNumberFactory(contact=contact)
        ContactPhoneNumberFactory(contact=contact)
        link = ContactAddressFactory(contact=contact)
        response = admin_client.get(change_url(contact))
        assert response.status_code == 200
        assert response.context["original"] == contact
        by_prefix = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
        # ...and its comments (api.v1.features.collaboration), read-only.
        assert set(by_prefix) == {*INLINE_PREFIXES, "collaboration-comment-content_type-object_id"}
        assert [form.instance for form in by_prefix["email_addresses"].forms] == [email]
        assert len(by_prefix["phone_numbers"].forms) == 2
        assert [form.instance for form in by_prefix["addresses"].forms] == [link]
        assert b"shown@example.com" in response.content
        # The audit fields are shown, not editable.
        assert "created_by" not in response.context["adminform"].form.fields


class TestAddWithInlines:
    def test_adding_a_contact_with_email_rows(self, admin_client, superuser, org):
        data = contact_data(
            org, emails=[("one@example.com", False), ("two@example.com", False)], tags="vip, lead"
        )
        response = admin_client.post(ADD_URL, data)
        assert response.status_code == 302, form_errors(response)
        contact = Contact.objects.get()
        assert contact.organization == org
        assert contact.full_name == "Ada Lovelace"
        assert contact.created_by == superuser
        assert sorted(contact.tags.names()) == ["lead", "vip"]
        rows = list(contact.email_addresses.values_list("email", "is_primary"))
        # None ticked: the first one saved is primary.
        assert rows == [("one@example.com", True), ("two@example.com", False)]
        assert contact.email_addresses.get(email="two@example.com").created_by == superuser

    def test_two_rows_ticked_primary_leave_exactly_one(self, admin_client, org):
        data = contact_data(org, emails=[("one@example.com", True), ("two@example.com", True)])
        response = admin_client.post(ADD_URL, data)
        assert response.status_code == 302, form_errors(response)
        contact = Contact.objects.get()
        primaries = list(
            contact.email_addresses.filter(is_primary=True).values_list("email", flat=True)
        )
        # Saved in order: the last one saved as primary demoted the first one.
        assert primaries == ["two@example.com"]
        assert contact.email_addresses.count() == 2

    def test_the_same_email_twice_is_a_form_error(self, admin_client, org):
        data = contact_data(org, emails=[("dup@example.com", False), ("dup@example.com", False)])
        response = admin_client.post(ADD_URL, data)
        assert response.status_code == 200
        assert "email_addresses" in form_errors(response)
        assert not Contact.objects.exists()
        assert not ContactEmailAddress.objects.exists()

    def test_an_invalid_email_is_a_form_error(self, admin_client, org):
        response = admin_client.post(ADD_URL, contact_data(org, emails=[("nope", False)]))
        assert response.status_code == 200
        assert "email_addresses" in form_errors(response)
        assert not Contact.objects.exists()

    def test_custom_fields_are_validated(self, admin_client, org):
        CustomFieldDefinition.objects.create(
            content_type=ContentType.objects.get_for_model(Contact), key="region"
        )
        response = admin_client.post(ADD_URL, contact_data(org, custom_fields='{"unknown": 1}'))
        assert response.status_code == 200
        assert "custom_fields" in form_errors(response)
        assert not Contact.objects.exists()
        response = admin_client.post(ADD_URL, contact_data(org, custom_fields='{"region": "N"}'))
        assert response.status_code == 302, form_errors(response)
        assert Contact.objects.get().custom_fields == {"region": "N"}


class TestChangeWithInlines:
    def change_data(self, contact, rows, **fields):
        """rows: (channel or None, email, primary, delete)."""
        data = contact_data(
            contact.organization,
            first_name=contact.first_name,
            last_name=contact.last_name,
            **management("email_addresses", len(rows), sum(1 for row in rows if row[0])),
            **fields,
        )
        for index, (channel, email, primary, delete) in enumerate(rows):
            data[f"email_addresses-{index}-id"] = str(channel.pk) if channel else ""
            data[f"email_addresses-{index}-contact"] = str(contact.pk)
            data[f"email_addresses-{index}-email"] = email
            data[f"email_addresses-{index}-email_type"] = "work"
            if primary:
                data[f"email_addresses-{index}-is_primary"] = "on"
            if delete:
                data[f"email_addresses-{index}-DELETE"] = "on"
        return data

    def test_ticking_another_row_makes_it_the_primary(self, admin_client, org):
        contact = ContactFactory(organization=org)
        first = ContactEmailAddressFactory(contact=contact, email="first@example.com")
        second = ContactEmailAddressFactory(contact=contact, email="second@example.com")
        data = self.change_data(
            contact,
            [
                (first, "first@example.com", False, False),
                (second, "second@example.com", True, False),
            ],
        )
        response = admin_client.post(change_url(contact), data)
        assert response.status_code == 302, form_errors(response)
        assert list(contact.email_addresses.filter(is_primary=True)) == [second]

    def test_unticking_the_only_primary_keeps_it(self, admin_client, org):
        contact = ContactFactory(organization=org)
        first = ContactEmailAddressFactory(contact=contact, email="first@example.com")
        second = ContactEmailAddressFactory(contact=contact, email="second@example.com")
        data = self.change_data(
            contact,
            [
                (first, "first@example.com", False, False),
                (second, "second@example.com", False, False),
            ],
        )
        response = admin_client.post(change_url(contact), data)
        assert response.status_code == 302, form_errors(response)
        assert list(contact.email_addresses.filter(is_primary=True)) == [first]

    def test_deleting_the_primary_row_promotes_another(self, admin_client, org):
        contact = ContactFactory(organization=org)
        first = ContactEmailAddressFactory(contact=contact, email="first@example.com")
        second = ContactEmailAddressFactory(contact=contact, email="second@example.com")
        data = self.change_data(
            contact,
            [
                (first, "first@example.com", True, True),
                (second, "second@example.com", False, False),
                (None, "third@example.com", False, False),
            ],
        )
        response = admin_client.post(change_url(contact), data)
        assert response.status_code == 302, form_errors(response)
        assert not ContactEmailAddress.objects.filter(pk=first.pk).exists()
        assert list(contact.email_addresses.order_by("pk").values_list("email", "is_primary")) == [
            ("second@example.com", True),
            ("third@example.com", False),
        ]

    def test_deleting_the_contact_deletes_its_addresses(self, admin_client, org):
        contact = ContactFactory(organization=org)
        link = ContactAddressFactory(contact=contact)
        response = admin_client.post(
            reverse("admin:contact_contact_delete", args=[contact.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert not Contact.objects.filter(pk=contact.pk).exists()
        assert not Address.objects.filter(pk=link.address_id).exists()


@pytest.fixture
def scoped_staff(client, org, contact_role):
    """Staff without global permissions, whose role in `org` holds contact.*."""
    user = UserFactory(username="scoped", is_staff=True)
    OrganizationMembershipFactory(user=user, organization=org, role=contact_role)
    client.force_login(user)
    return client


class TestOrganizationScopedStaff:
    def test_sees_only_the_contacts_of_its_organizations(self, scoped_staff, org, other_org):
        mine = ContactFactory(organization=org)
        ContactFactory(organization=other_org)
        response = scoped_staff.get(CHANGELIST_URL)
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [mine]
        assert response.context["cl"].full_result_count == 1

    def test_the_contacts_module_is_on_the_index(self, scoped_staff):
        response = scoped_staff.get(reverse("admin:index"))
        assert response.status_code == 200
        assert CHANGELIST_URL.encode() in response.content

    def test_opens_its_own_contact(self, scoped_staff, org):
        mine = ContactFactory(organization=org)
        response = scoped_staff.get(change_url(mine))
        assert response.status_code == 200
        assert response.context["original"] == mine

    def test_edits_the_channels_of_its_own_contacts(self, scoped_staff, org):
        mine = ContactFactory(organization=org)
        page = scoped_staff.get(change_url(mine))
        prefixes = {formset.formset.prefix for formset in page.context["inline_admin_formsets"]}
        assert prefixes == {"email_addresses", "phone_numbers", "addresses"}
        data = contact_data(org, emails=[("scoped@example.com", True)], first_name=mine.first_name)
        response = scoped_staff.post(change_url(mine), data)
        assert response.status_code == 302, form_errors(response)
        assert list(mine.email_addresses.values_list("email", flat=True)) == ["scoped@example.com"]

    def test_another_organizations_contact_is_not_found(self, scoped_staff, other_org):
        theirs = ContactFactory(organization=other_org, first_name="Secret")
        for url in (
            change_url(theirs),
            reverse("admin:contact_contact_delete", args=[theirs.pk]),
            reverse("admin:contact_contact_history", args=[theirs.pk]),
        ):
            response = scoped_staff.get(url)
            # The admin's "does not exist" answer: back to the index, with a message.
            assert response.status_code == 302, url
            assert response["Location"] == reverse("admin:index")
        response = scoped_staff.post(
            change_url(theirs), contact_data(other_org, first_name="Hacked")
        )
        assert response.status_code == 302
        response = scoped_staff.post(
            reverse("admin:contact_contact_delete", args=[theirs.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        theirs.refresh_from_db()
        assert theirs.first_name == "Secret"

    def test_the_organization_choice_offers_only_its_organizations(
        self, scoped_staff, org, other_org
    ):
        response = scoped_staff.get(ADD_URL)
        assert response.status_code == 200
        field = response.context["adminform"].form.fields["organization"]
        assert list(field.queryset) == [org]
        response = scoped_staff.post(ADD_URL, contact_data(other_org, first_name="Elsewhere"))
        assert response.status_code == 200
        assert "organization" in form_errors(response)
        assert not Contact.objects.exists()
        response = scoped_staff.post(ADD_URL, contact_data(org, first_name="Here"))
        assert response.status_code == 302, form_errors(response)
        assert Contact.objects.get().organization == org

    def test_a_view_only_role_cannot_change(self, client, org, other_org):
        from api.v1.base_models.organization.tests.factories import (
            RoleFactory,
            model_permissions,
        )

        user = UserFactory(is_staff=True)
        OrganizationMembershipFactory(
            user=user,
            organization=org,
            role=RoleFactory(permissions=model_permissions(Contact, "view")),
        )
        client.force_login(user)
        mine = ContactFactory(organization=org, first_name="Kept")
        assert client.get(CHANGELIST_URL).status_code == 200
        assert client.get(ADD_URL).status_code == 403
        response = client.get(change_url(mine))
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False
        response = client.post(change_url(mine), contact_data(org, first_name="Changed"))
        assert response.status_code == 403
        mine.refresh_from_db()
        assert mine.first_name == "Kept"

    def test_staff_without_any_role_is_refused(self, client, org):
        client.force_login(UserFactory(is_staff=True))
        ContactFactory(organization=org)
        assert client.get(CHANGELIST_URL).status_code == 403
