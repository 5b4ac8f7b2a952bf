"""The Django Admin swept for tenant isolation, as tests/test_tenant_isolation.py sweeps
the API: an Admin added later cannot forget it.

For every registered ModelAdmin of organization data (a model with a path to
Organization, found from the model, not from its Admin), a staff member of organization
A only, whose role holds every model permission of organization data and who has no
global permission, opens every page the Admin has: the changelist (every list filter's
choices followed, facets, search, a popup), the add page, the change, history and delete
pages of a record of A, every autocomplete answer, and the pages of the records of
organization B and of a sub-organization C of A where the staff member is no member.
Nothing of B's or C's records (names, codes, e-mail addresses, links to them, choices)
may appear: B's and C's records carry "ZZSECRET" in every text field.
"""

import contextlib
import datetime
import importlib
import inspect
import itertools
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.utils import get_model_from_relation, quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from factory.django import DjangoModelFactory
from taggit.managers import TaggableManager

from api.base.admin import OrganizationScopedAdminMixin
from api.v1.base_models.contact.models import Contact, ContactEmailAddress
from api.v1.base_models.contact.tests.factories import ContactEmailAddressFactory
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory

SECRET = "zzsecret"  # in every text of organization B's and C's records, and nowhere else
HIDDEN_YEAR = 1999  # the dates of B's and C's records, for date hierarchies

# Admins of organization data that are not scoped, and why. They must refuse the
# organization staff member altogether (global permissions only).
NOT_SCOPED = {
    # Platform configuration: global (staff) permissions, see docs/decisions.md.
    "core.customfielddefinition",
    "notifications.notificationtemplate",
    # Read-only, for staff with the global permission; organizations read their own
    # audit log through the API (audit.views.visible_logs).
    "audit.auditlog",
    # Read-only, for support staff with the global permission; each user reads their
    # own notifications through the API.
    "notifications.notification",
}


# ------------------------------------------------------------------ organization data
def organization_path(model, depth=2):
    """The queryset path from `model` to its organization's id ("pk" for organizations),
    None for data that belongs to no organization. From the model alone: a foreign key
    to Organization, or to a model that has one."""
    if model._meta.concrete_model is Organization:
        return "pk"
    relations = [
        field
        for field in model._meta.concrete_fields
        if field.is_relation and (field.many_to_one or field.one_to_one)
    ]
    owners = [field for field in relations if field.related_model is Organization]
    for field in sorted(owners, key=lambda field: field.name != "organization"):
        return field.name
    if depth > 1:
        for field in relations:
            if field.related_model is model:
                continue
            path = organization_path(field.related_model, depth - 1)
            if path is not None:
                return field.name if path == "pk" else f"{field.name}__{path}"
    return None


def organization_models():
    return [model for model in apps.get_models() if organization_path(model) is not None]


def unscoped_admins(site):
    """Labels of the Admins of organization data on `site` that are not scoped."""
    return sorted(
        model._meta.label_lower
        for model, model_admin in site._registry.items()
        if organization_path(model) is not None
        and not isinstance(model_admin, OrganizationScopedAdminMixin)
        and model._meta.label_lower not in NOT_SCOPED
    )


SCOPED_ADMINS = sorted(
    model._meta.label_lower
    for model in admin.site._registry
    if organization_path(model) is not None and model._meta.label_lower not in NOT_SCOPED
)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# ---------------------------------------------------------------------------- records
_counter = itertools.count(1)


def _factory_for(model):
    try:
        module = importlib.import_module(f"{model._meta.app_config.name}.tests.factories")
    except ModuleNotFoundError:
        return None
    found = [
        candidate
        for candidate in vars(module).values()
        if inspect.isclass(candidate)
        and issubclass(candidate, DjangoModelFactory)
        and candidate._meta.model is model
    ]
    found.sort(key=lambda candidate: candidate.__name__ != f"{model.__name__}Factory")
    return found[0] if found else None


def _required_value(field, organization):
    """A value for a required field of a model that has no factory."""
    n = next(_counter)
    if field.is_relation:
        related = field.related_model
        if related is Organization:
            return organization
        if related is Group:
            return RoleFactory()
        if related is get_user_model():
            return UserFactory()
        if related is ContentType:
            return ContentType.objects.get_for_model(Organization)
        if organization_path(related) is not None:
            return make_record(related, organization)
        factory = _factory_for(related)
        assert factory is not None, f"no factory for {related._meta.label}"
        return factory()
    if isinstance(field, models.EmailField):
        return f"record{n}@example.com"
    if isinstance(field, models.CharField | models.TextField):
        return f"Record {n}"[: field.max_length]
    if isinstance(field, models.DateTimeField):
        return timezone.now() + datetime.timedelta(days=7)
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    raise AssertionError(f"give {field.model._meta.label} a factory ({field.name})")


def make_record(model, organization):
    """A record of `model` in `organization`: from the app's factory (tests/factories.py),
    else from the model's required fields."""
    path = organization_path(model)
    if path == "pk":
        return organization
    factory = _factory_for(model)
    if factory is not None:
        return factory(**{path: organization})
    values = {}
    owner = path.split("__")[0]
    for field in model._meta.concrete_fields:
        if field.name != owner and (
            field.primary_key
            or field.null
            or field.has_default()
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        ):
            continue
        values[field.name] = _required_value(field, organization)
    record = model(**values)
    record.save()
    return record


def _secret_values(model, record):
    """New values, carrying SECRET, for the text fields of a hidden record."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.choices or not getattr(record, field.attname):
            continue
        n = next(_counter)
        if isinstance(field, models.EmailField):
            values[field.attname] = f"{SECRET}-{n}@example.com"
        elif isinstance(field, models.CharField | models.TextField):
            text = f"{SECRET.upper()}-{n}"
            if field.max_length is None or field.max_length >= len(text):
                values[field.attname] = text
        elif isinstance(field, models.DateField):  # and DateTimeField
            values[field.attname] = getattr(record, field.attname).replace(year=HIDDEN_YEAR)
    return values


def _update(model, pk, values):
    """Write `values` (all at once, else field by field, skipping what the database
    refuses: constraints, append-only tables)."""
    try:
        with transaction.atomic():
            model._base_manager.filter(pk=pk).update(**values)
        return
    except DatabaseError:
        pass
    for name, value in values.items():
        try:
            with transaction.atomic():
                model._base_manager.filter(pk=pk).update(**{name: value})
        except DatabaseError:
            pass


class World:
    """Organization A (the staff member's), B (another tenant) and C (a sub-organization
    of A without the staff member), with a record of every model of organization data
    that has an Admin in each; everything of B and C carries SECRET."""

    def __init__(self):
        self.org_a = OrganizationFactory(name="Alpha Visible Ltd", code="ALPHA-VISIBLE")
        self.org_b = OrganizationFactory(name="ZZSECRET-B Other Tenant", code="ZZSECRET-B")
        self.org_c = OrganizationFactory(
            name="ZZSECRET-C Subsidiary", code="ZZSECRET-C", parent=self.org_a
        )
        scoped = organization_models()
        content_types = ContentType.objects.get_for_models(*scoped).values()
        role = RoleFactory(name="Alpha staff")
        role.permissions.set(Permission.objects.filter(content_type__in=content_types))
        self.staff = UserFactory(username="alpha-staff", is_staff=True)
        OrganizationMembershipFactory(user=self.staff, organization=self.org_a, role=role)

        self.own = {}
        for model in admin.site._registry:
            if organization_path(model) is None:
                continue
            self.own[model] = make_record(model, self.org_a)
            for organization in (self.org_b, self.org_c):
                make_record(model, organization)
        # Members of B and C only (users are shared rows: these belong to B and C).
        OrganizationMembershipFactory(organization=self.org_b)
        OrganizationMembershipFactory(organization=self.org_c)

        hidden_orgs = [self.org_b.pk, self.org_c.pk]
        self.hidden = {}
        for model in scoped:
            path = organization_path(model)
            pks = set(
                model._base_manager.filter(**{f"{path}__in": hidden_orgs}).values_list(
                    "pk", flat=True
                )
            )
            self.hidden[model] = pks
            for record in model._base_manager.filter(pk__in=pks):
                _update(model, record.pk, _secret_values(model, record))
                if any(isinstance(f, TaggableManager) for f in model._meta.get_fields()):
                    record.tags.add(f"{SECRET}-tag")
        user_model = get_user_model()
        outsiders = set(
            OrganizationMembership.objects.filter(organization__in=hidden_orgs).values_list(
                "user", flat=True
            )
        ) - set(
            OrganizationMembership.objects.filter(organization=self.org_a).values_list(
                "user", flat=True
            )
        )
        self.hidden[user_model] = outsiders
        for pk in outsiders:
            n = next(_counter)
            _update(
                user_model,
                pk,
                {
                    "username": f"{SECRET}-user-{n}",
                    "first_name": SECRET.upper(),
                    "last_name": SECRET.upper(),
                    "email": f"{SECRET}-{n}@example.com",
                },
            )
        self.hidden_urls = set()
        for model, pks in self.hidden.items():
            for pk in pks:
                with contextlib.suppress(NoReverseMatch):
                    self.hidden_urls.add(admin_url(model, "change", quote(pk)))
        self.client = Client()
        self.client.force_login(self.staff)

    # ------------------------------------------------------------------ assertions
    def assert_no_trace(self, response, where):
        body = response.content.decode(errors="replace")
        assert SECRET not in body.lower(), f"{where}: shows a record of another organization"
        for url in self.hidden_urls:
            assert url not in body, f"{where}: links to {url}"

    def assert_choices_hidden(self, response, where):
        """Every model choice field of the page's forms (the form, its inlines, the
        list_editable rows) leaves out B's and C's records."""
        context = response.context
        if context is None:
            return
        forms = []
        adminform = context.get("adminform")
        if adminform is not None:
            forms.append(adminform.form)
        for inline in context.get("inline_admin_formsets") or []:
            forms.extend(inline.formset.forms)
            forms.append(inline.formset.empty_form)
        changelist = context.get("cl")
        if changelist is not None and getattr(changelist, "formset", None) is not None:
            forms.extend(changelist.formset.forms)
        for form in forms:
            for name, field in form.fields.items():
                if name == form._meta.model._meta.pk.name:
                    continue  # a formset's hidden id of its own row (its rows are scoped)
                queryset = getattr(field, "queryset", None)
                if queryset is None or not self.hidden.get(queryset.model):
                    continue
                leaked = queryset.filter(pk__in=self.hidden[queryset.model])
                assert not leaked.exists(), f"{where}: {name} offers {list(leaked)}"

    def get(self, url, where, statuses=(200,)):
        response = self.client.get(url)
        assert response.status_code in statuses, (where, url, response.status_code)
        self.assert_no_trace(response, where)
        self.assert_choices_hidden(response, where)
        return response


@pytest.fixture
def world(db):
    return World()


# ------------------------------------------------------------------------- structure
def test_every_admin_of_organization_data_is_scoped():
    assert unscoped_admins(admin.site) == []


def test_an_unscoped_admin_of_organization_data_is_found():
    site = admin.AdminSite(name="probe")
    site.register(ContactEmailAddress)
    assert unscoped_admins(site) == ["contact.contactemailaddress"]

    class ScopedAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
        organization_lookup = "contact__organization"

    site = admin.AdminSite(name="probe")
    site.register(ContactEmailAddress, ScopedAdmin)
    assert unscoped_admins(site) == []


def test_the_sweep_covers_the_admins_of_organization_data():
    assert {
        "organization.organization",
        "organization.organizationmembership",
        "contact.contact",
        "products.product",
        "inventory.warehouse",
        "inventory.stocklocation",
    } <= set(SCOPED_ADMINS)


# ------------------------------------------------------------------------------ pages
@pytest.mark.parametrize("label", SCOPED_ADMINS)
def test_an_admin_of_organization_data_shows_nothing_of_other_organizations(world, label):
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    own = world.own[model]
    hidden = sorted(world.hidden[model])
    assert hidden, f"{label}: no record of B or C to look for"

    # The changelist: the staff member's records only.
    changelist_url = admin_url(model, "changelist")
    response = world.get(changelist_url, f"{label} changelist")
    changelist = response.context["cl"]
    listed = {obj.pk for obj in changelist.result_list}
    assert own.pk in listed, f"{label}: the changelist does not list the own record"
    assert not listed & set(hidden)

    # Every list filter: its choices name no record of B or C, and each choice opens.
    for spec in changelist.filter_specs:
        if isinstance(spec, RelatedFieldListFilter):
            related = get_model_from_relation(spec.field)
            offered = {choice[0] for choice in spec.lookup_choices}
            assert not offered & world.hidden.get(related, set()), (label, spec.title)
            for pk in world.hidden.get(related, ()):
                world.get(
                    f"{changelist_url}?{urlencode({spec.lookup_kwarg: pk})}",
                    f"{label} filtered on another organization's {spec.title}",
                    statuses=(200, 302),
                )
        for choice in spec.choices(changelist):
            world.get(
                changelist_url + choice["query_string"],
                f"{label} filter {spec.title}: {choice['display']}",
                statuses=(200, 302),
            )
    world.get(f"{changelist_url}?_facets=True", f"{label} changelist with facets")
    world.get(f"{changelist_url}?_popup=1&_to_field=id", f"{label} popup")
    if model_admin.date_hierarchy:
        response = world.get(changelist_url, f"{label} date hierarchy")
        assert f"__year={HIDDEN_YEAR}" not in response.content.decode()
    if model_admin.search_fields:
        response = world.client.get(changelist_url, {"q": SECRET})
        assert response.status_code == 200
        assert not list(response.context["cl"].result_list), f"{label}: search found B's"

    # The add page, also with another organization's records as initial values.
    if model_admin.has_add_permission(_request(world, changelist_url)):
        add_url = admin_url(model, "add")
        world.get(add_url, f"{label} add page")
        for field in model._meta.concrete_fields:
            if field.is_relation and world.hidden.get(field.related_model):
                pk = sorted(world.hidden[field.related_model])[0]
                world.get(
                    f"{add_url}?{urlencode({field.name: pk})}",
                    f"{label} add page with another organization's {field.name}",
                )

    # The pages of the own record.
    world.get(admin_url(model, "change", quote(own.pk)), f"{label} change page")
    world.get(admin_url(model, "history", quote(own.pk)), f"{label} history page")
    world.get(
        admin_url(model, "delete", quote(own.pk)), f"{label} delete page", statuses=(200, 302, 403)
    )

    # The pages of B's and C's records are out of reach.
    for pk in hidden:
        for view in ("change", "delete", "history"):
            url = admin_url(model, view, quote(pk))
            response = world.client.get(url)
            assert response.status_code in (302, 403, 404), (label, view, response.status_code)
            if response.status_code == 302:
                assert response.url == reverse("admin:index"), (label, view, response.url)
            world.assert_no_trace(world.client.get(url, follow=True), f"{label} {view} of B")
        response = world.client.post(admin_url(model, "delete", quote(pk)), {"post": "yes"})
        assert response.status_code in (302, 403, 404)
        content_type = ContentType.objects.get_for_model(model)
        response = world.client.get(reverse("admin:view_on_site", args=[content_type.pk, pk]))
        assert response.status_code not in (301, 302), f"{label}: view on site of B's record"
    response = world.client.post(
        changelist_url, {"action": "delete_selected", "_selected_action": hidden, "post": "yes"}
    )
    world.assert_no_trace(response, f"{label} bulk delete of B's records")
    assert model._base_manager.filter(pk__in=hidden).count() == len(hidden)


@pytest.mark.parametrize("label", sorted(NOT_SCOPED))
def test_an_unscoped_admin_of_organization_data_refuses_organization_staff(world, label):
    model = apps.get_model(label)
    world.get(admin_url(model, "changelist"), f"{label} changelist", statuses=(403,))
    world.get(admin_url(model, "add"), f"{label} add page", statuses=(403,))
    for pk in world.hidden[model]:
        world.get(admin_url(model, "change", quote(pk)), f"{label} change page", (302, 403))


def test_no_admin_page_shows_other_organizations(world):
    """The index, every app index and every changelist (organization data or not)."""
    world.get(reverse("admin:index"), "admin index")
    for app_label in {model._meta.app_label for model in admin.site._registry}:
        world.get(reverse("admin:app_list", args=[app_label]), app_label, (200, 404))
    for model in admin.site._registry:
        world.get(admin_url(model, "changelist"), model._meta.label, (200, 403))


def test_autocomplete_offers_nothing_of_other_organizations(world):
    """Every foreign key and many-to-many field of every model, to a model with an
    Admin: the autocomplete answers (all, and searched for B's names) hold no record the
    staff member may not see."""
    url = reverse("admin:autocomplete")
    asked = 0
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.concrete and (field.many_to_one or field.many_to_many)):
                continue
            if field.related_model not in admin.site._registry:
                continue
            for term in ("", SECRET):
                query = {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field.name,
                    "term": term,
                }
                where = f"autocomplete {model._meta.label}.{field.name} {term!r}"
                response = world.get(f"{url}?{urlencode(query)}", where, (200, 403, 404))
                asked += 1
                if response.status_code != 200:
                    continue
                hidden = {str(pk) for pk in world.hidden.get(field.related_model, ())}
                offered = {row["id"] for row in response.json()["results"]}
                assert not offered & hidden, where
                if term:
                    assert offered == set(), where
    assert asked >= 20


def test_a_delete_confirmation_does_not_name_what_the_user_cannot_see(world):
    """Deleting organization A would need deleting its sub-organization C (protected):
    C is listed without its name. A contact of A is deleted with its e-mail addresses,
    which are named."""
    model_admin = admin.site._registry[Organization]
    request = _request(world, admin_url(Organization, "delete", world.org_a.pk))
    deleted, _count, _perms, protected = model_admin.get_deleted_objects([world.org_a], request)
    assert "Organization: a record you may not view" in protected
    assert SECRET not in str(deleted).lower() + str(protected).lower()

    contact_admin = admin.site._registry[Contact]
    contact = world.own[Contact]
    ContactEmailAddressFactory(contact=contact, email="alpha@example.com")
    request = _request(world, admin_url(Contact, "delete", contact.pk))
    deleted, _count, perms_needed, protected = contact_admin.get_deleted_objects([contact], request)
    assert "E-mail Address: alpha@example.com" in str(deleted)
    assert perms_needed == set()
    assert protected == []


def _request(world, path):
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    request.user = world.staff
    return request
