"""The Django Admin of the reference data."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from api.v1.base_models.common.models import (
    Address,
    Category,
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    TaxRate,
    UnitOfMeasure,
)
from api.v1.base_models.common.tests.factories import (
    AddressFactory,
    CategoryFactory,
    TaxRateFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [Currency, Address, Status, UnitOfMeasure, Category, TaxJurisdiction, TaxCategory, TaxRate]


def url(model, view, *args):
    return reverse(f"admin:common_{model._meta.model_name}_{view}", args=args)


def existing(model):
    """A row to open the change page of: seeded, or made by a factory."""
    seeded = {
        Currency: "EUR",
        Status: "active",
        UnitOfMeasure: "KG",
        TaxJurisdiction: "US-CA",
        TaxCategory: "standard",
    }
    if model in seeded:
        return model.objects.get(pk=seeded[model])
    return {Address: AddressFactory, Category: CategoryFactory, TaxRate: TaxRateFactory}[model]()


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def changelist_pks(response):
    return [obj.pk for obj in response.context["cl"].result_list]


class TestPages:
    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_changelist(self, admin_client, model):
        existing(model)
        response = admin_client.get(url(model, "changelist"))
        assert response.status_code == 200
        assert response.context["cl"].result_count >= 1

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_add_page(self, admin_client, model):
        response = admin_client.get(url(model, "add"))
        assert response.status_code == 200
        assert "adminform" in response.context

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_change_page(self, admin_client, model):
        instance = existing(model)
        response = admin_client.get(url(model, "change", instance.pk))
        assert response.status_code == 200
        assert response.context["original"] == instance

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_audit_fields_are_read_only(self, admin_client, model):
        response = admin_client.get(url(model, "change", existing(model).pk))
        adminform = response.context["adminform"]
        for name in ("created_at", "created_by", "updated_at", "updated_by"):
            assert name not in adminform.form.fields
            assert name in adminform.readonly_fields
        assert 'name="created_by"' not in response.content.decode()

    def test_staff_without_permissions_is_refused(self, client):
        client.force_login(UserFactory(is_staff=True))
        assert client.get(url(Currency, "changelist")).status_code == 403

    def test_anonymous_is_sent_to_the_login_page(self, client):
        response = client.get(url(Currency, "changelist"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


class TestSearch:
    @pytest.mark.parametrize(
        ("model", "query", "expected"),
        [
            (Currency, "Yen", ["JPY"]),
            (Currency, "978", ["EUR"]),
            (Status, "pending_approval", ["pending_approval"]),
            (UnitOfMeasure, "Hectare", ["HA"]),
            (TaxJurisdiction, "Ontario", ["CA-ON"]),
            (TaxCategory, "super-reduced", ["super-reduced"]),
        ],
    )
    def test_seeded_rows(self, admin_client, model, query, expected):
        response = admin_client.get(url(model, "changelist"), {"q": query})
        assert response.status_code == 200
        assert changelist_pks(response) == expected

    def test_addresses(self, admin_client):
        match = AddressFactory(city="Reykjavik")
        AddressFactory(city="Oslo")
        response = admin_client.get(url(Address, "changelist"), {"q": "reykjavik"})
        assert changelist_pks(response) == [match.pk]

    def test_categories(self, admin_client):
        match = CategoryFactory(name="Ergonomic Chairs")
        CategoryFactory(name="Tables")
        response = admin_client.get(url(Category, "changelist"), {"q": "ergonomic"})
        assert changelist_pks(response) == [match.pk]

    def test_tax_rates_by_jurisdiction(self, admin_client):
        match = TaxRateFactory(jurisdiction=TaxJurisdiction.objects.get(code="US-NY"))
        TaxRateFactory(jurisdiction=TaxJurisdiction.objects.get(code="US-CA"))
        response = admin_client.get(url(TaxRate, "changelist"), {"q": "New York"})
        assert changelist_pks(response) == [match.pk]

    def test_no_match(self, admin_client):
        response = admin_client.get(url(Currency, "changelist"), {"q": "no-such-currency"})
        assert changelist_pks(response) == []


class TestCategoryAdmin:
    def test_changelist_renders_the_tree(self, admin_client):
        root = CategoryFactory(name="Furniture")
        chairs = CategoryFactory(name="Chairs", parent=root)
        office = CategoryFactory(name="Office Chairs", parent=chairs)
        tables = CategoryFactory(name="Tables", parent=root)
        response = admin_client.get(url(Category, "changelist"))
        assert response.status_code == 200
        assert changelist_pks(response) == [root.pk, chairs.pk, office.pk, tables.pk]
        content = response.content.decode()
        for node, level in [(root, 0), (chairs, 1), (office, 2), (tables, 1)]:
            assert f'data-pk="{node.pk}" data-level="{level}"' in content
            assert f'<div style="text-indent:{level * 20}px">{node.name}</div>' in content
        assert "mptt/draggable-admin.js" in content

    def test_add_generates_the_slug_when_left_blank(self, admin_client, superuser):
        parent = CategoryFactory(name="Furniture")
        response = admin_client.post(
            url(Category, "add"),
            {
                "name": "Office Chairs",
                "slug": "",
                "description": "",
                "category_type": "PRODUCT",
                "parent": parent.pk,
                "is_active": "on",
                "custom_fields": "{}",
                "_save": "Save",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        category = Category.objects.get(name="Office Chairs")
        assert category.slug == "office-chairs"
        assert category.parent == parent
        assert category.level == 1
        assert category.created_by == superuser
        assert category.updated_by == superuser

    def test_add_refuses_a_parent_of_another_type(self, admin_client):
        parent = CategoryFactory(name="Furniture")
        response = admin_client.post(
            url(Category, "add"),
            {
                "name": "Contracts",
                "slug": "",
                "category_type": "DOCUMENT_TYPE",
                "parent": parent.pk,
                "custom_fields": "{}",
            },
        )
        assert response.status_code == 200
        assert "parent" in response.context["adminform"].form.errors
        assert not Category.objects.filter(name="Contracts").exists()


class TestAuditFromTheAdmin:
    def test_add_and_change_record_the_admin_user(self, admin_client, superuser):
        response = admin_client.post(
            url(Currency, "add"),
            {
                "code": "QMA",
                "name": "Admin Currency",
                "symbol": "",
                "numeric_code": "",
                "decimal_places": "2",
                "is_active": "on",
                "custom_fields": "{}",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        currency = Currency.objects.get(code="QMA")
        assert currency.created_by == superuser
        assert currency.updated_by == superuser
        assert currency.numeric_code is None

        editor = UserFactory(username="editor", is_staff=True, is_superuser=True)
        admin_client.force_login(editor)
        response = admin_client.post(
            url(Currency, "change", "QMA"),
            {
                "code": "QMA",
                "name": "Admin Currency (renamed)",
                "symbol": "",
                "numeric_code": "",
                "decimal_places": "3",
                "is_active": "on",
                "custom_fields": "{}",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        currency.refresh_from_db()
        assert (currency.name, currency.decimal_places) == ("Admin Currency (renamed)", 3)
        assert currency.created_by == superuser
        assert currency.updated_by == editor

        page = admin_client.get(url(Currency, "change", "QMA")).content.decode()
        assert "root" in page
        assert "editor" in page

    def test_custom_fields_must_be_an_object(self, admin_client):
        response = admin_client.post(
            url(Status, "add"),
            {"slug": "on_hold", "name": "On Hold", "custom_fields": "[1, 2]"},
        )
        assert response.status_code == 200
        assert "custom_fields" in response.context["adminform"].form.errors
        assert not Status.objects.filter(slug="on_hold").exists()


class TestTaxRateAdmin:
    def rate_data(self, **overrides):
        return {
            "name": "California State Sales Tax",
            "jurisdiction": "US-CA",
            "tax_category": "standard",
            "tax_type": "SALES",
            "rate": "0.07250",
            "priority": "0",
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
            "is_active": "on",
            "custom_fields": "{}",
            **overrides,
        }

    def test_add(self, admin_client, superuser):
        response = admin_client.post(url(TaxRate, "add"), self.rate_data())
        assert response.status_code == 302, response.context["adminform"].form.errors
        rate = TaxRate.objects.get()
        assert rate.rate == Decimal("0.07250")
        assert rate.created_by == superuser

    def test_add_refuses_valid_to_before_valid_from(self, admin_client):
        response = admin_client.post(url(TaxRate, "add"), self.rate_data(valid_to="2023-12-31"))
        assert response.status_code == 200
        assert "valid_to" in response.context["adminform"].form.errors
        assert not TaxRate.objects.exists()

    def test_change_refuses_valid_to_before_valid_from(self, admin_client):
        rate = TaxRateFactory(valid_from=datetime.date(2024, 1, 1))
        response = admin_client.post(
            url(TaxRate, "change", rate.pk),
            self.rate_data(jurisdiction=rate.jurisdiction_id, valid_to="2023-06-30"),
        )
        assert response.status_code == 200
        assert "valid_to" in response.context["adminform"].form.errors
        rate.refresh_from_db()
        assert rate.valid_to is None

    def formset_data(self, rates, changes):
        """The changelist form as a browser posts it, with `changes` ({pk: {field: value}},
        None unticks a checkbox)."""
        data = {
            "form-TOTAL_FORMS": str(len(rates)),
            "form-INITIAL_FORMS": str(len(rates)),
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        }
        for index, rate in enumerate(rates):
            values = {
                "id": str(rate.pk),
                "rate": str(rate.rate),
                "valid_to": rate.valid_to.isoformat() if rate.valid_to else "",
                "is_active": "on" if rate.is_active else None,
                **changes.get(rate.pk, {}),
            }
            data.update(
                {
                    f"form-{index}-{name}": value
                    for name, value in values.items()
                    if value is not None
                }
            )
        return data

    def test_changelist_shows_the_editable_columns(self, admin_client):
        rate = TaxRateFactory()
        response = admin_client.get(url(TaxRate, "changelist"))
        formset = response.context["cl"].formset
        assert [form.instance for form in formset] == [rate]
        assert set(formset.forms[0].fields) >= {"rate", "is_active", "valid_to"}

    def test_changelist_edits_rates(self, admin_client, superuser):
        first = TaxRateFactory(rate=Decimal("0.05"))
        second = TaxRateFactory(rate=Decimal("0.06"))
        data = self.formset_data(
            [first, second],
            {
                first.pk: {"rate": "0.08875", "valid_to": "2030-12-31"},
                second.pk: {"is_active": None},
            },
        )
        response = admin_client.post(url(TaxRate, "changelist"), data)
        assert response.status_code == 302
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.rate == Decimal("0.08875")
        assert first.valid_to == datetime.date(2030, 12, 31)
        assert first.updated_by == superuser
        assert second.rate == Decimal("0.06")
        assert second.is_active is False

    def test_changelist_refuses_valid_to_before_valid_from(self, admin_client):
        rate = TaxRateFactory(valid_from=datetime.date(2024, 1, 1))
        data = self.formset_data([rate], {rate.pk: {"valid_to": "2023-01-01"}})
        response = admin_client.post(url(TaxRate, "changelist"), data)
        assert response.status_code == 200
        assert "valid_to" in response.context["cl"].formset.forms[0].errors
        rate.refresh_from_db()
        assert rate.valid_to is None

    def test_changelist_refuses_a_negative_rate(self, admin_client):
        rate = TaxRateFactory(rate=Decimal("0.05"))
        data = self.formset_data([rate], {rate.pk: {"rate": "-0.01"}})
        response = admin_client.post(url(TaxRate, "changelist"), data)
        assert response.status_code == 200
        assert "rate" in response.context["cl"].formset.forms[0].errors
        rate.refresh_from_db()
        assert rate.rate == Decimal("0.05")

    def test_jurisdiction_autocomplete(self, admin_client):
        response = admin_client.get(
            reverse("admin:autocomplete"),
            {
                "term": "Calif",
                "app_label": "common",
                "model_name": "taxrate",
                "field_name": "jurisdiction",
            },
        )
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["results"]] == ["US-CA"]


class TestTaxJurisdictionAdmin:
    def test_deleting_a_country_with_states_is_refused(self, admin_client):
        response = admin_client.post(url(TaxJurisdiction, "delete", "CA"), {"post": "yes"})
        assert response.status_code == 200
        assert response.context["protected"]
        assert TaxJurisdiction.objects.filter(code="CA").exists()

    def test_add_a_county(self, admin_client):
        response = admin_client.post(
            url(TaxJurisdiction, "add"),
            {
                "code": "US-CA-SF",
                "name": "San Francisco County",
                "jurisdiction_type": "COUNTY",
                "parent": "US-CA",
                "is_active": "on",
                "custom_fields": "{}",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        county = TaxJurisdiction.objects.get(code="US-CA-SF")
        assert county.level == 2
        written = list(TaxJurisdiction.objects.values_list("code", "tree_id", "lft", "rght"))
        TaxJurisdiction.objects.rebuild()
        assert list(TaxJurisdiction.objects.values_list("code", "tree_id", "lft", "rght")) == (
            written
        )
