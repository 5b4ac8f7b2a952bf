"""The feature registry (core.registry): every app's models, with the features derived
from what each model is."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from api.v1.base_models.common.models import Currency, TaxJurisdiction
from api.v1.base_models.contact.models import Contact, ContactEmailAddress
from api.v1.base_models.organization.models import Organization
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.products.models import Product
from core import registry
from tests.testapp.models import Ticket


def features(model) -> set[str]:
    return registry.get(model).names


def test_every_app_registers_its_models():
    labels = {model._meta.label_lower for model in registry.registered_models()}
    assert {
        "organization.organization",
        "contact.contactaddress",
        "products.product",
        "inventory.stocklocation",
        "common.currency",
        "audit.auditlog",
        "testapp.ticket",
    } <= labels


def test_features_follow_from_the_model():
    assert features(Product) == {"scoped", "audited", "custom_fields", "taggable", "workflow"}
    assert features(StockLocation) == {"scoped", "audited", "custom_fields", "tree"}
    assert features(Warehouse) == {"scoped", "audited", "custom_fields", "taggable"}
    assert features(Organization) >= {"scoped", "tree", "taggable"}
    assert features(Currency) == {"audited", "custom_fields"}
    assert "scoped" not in features(TaxJurisdiction)
    assert features(Ticket) >= {"scoped", "audited", "workflow"}


def test_organization_paths():
    assert registry.organization_path(Organization) == "pk"
    assert registry.organization_path(Contact) == "organization"
    assert registry.organization_path(ContactEmailAddress) == "contact__organization"
    assert registry.organization_path(Currency) is None


def test_models_with_a_feature():
    assert Product in registry.models_with("workflow")
    assert Currency not in registry.models_with("scoped")
    assert set(registry.models_with("taggable")) >= {Product, Contact, Warehouse, Organization}
    with pytest.raises(ValueError, match="Unknown feature"):
        registry.models_with("teleport")


def _model(name, **attrs):
    attrs.setdefault("__module__", "tests.testapp.models")
    return type(
        name, (models.Model,), {"Meta": type("Meta", (), {"app_label": "testapp"}), **attrs}
    )


def test_a_declared_path_must_lead_to_an_organization():
    thing = _model(
        "PathProbeThing",
        contact=models.ForeignKey(Contact, on_delete=models.CASCADE),
        organization_path="contact__first_name",
    )
    with pytest.raises(ImproperlyConfigured, match="does not lead to an Organization"):
        registry.describe(thing)

    lost = _model(
        "PathProbeLost",
        contact=models.ForeignKey(Contact, on_delete=models.CASCADE),
        organization_path="contact__nowhere",
    )
    with pytest.raises(ImproperlyConfigured, match="no field 'nowhere'"):
        registry.describe(lost)


def test_default_grants_are_checked():
    assert registry.get(Product).default_grants["member"] == (
        "view",
        "add",
        "change",
        "activate",
        "discontinue",
    )
    with pytest.raises(ImproperlyConfigured, match="unknown role 'boss'"):
        registry.describe(_model("GrantProbeRole", default_grants={"boss": ("view",)}))
    with pytest.raises(ImproperlyConfigured, match="no permission for fly"):
        registry.describe(_model("GrantProbeVerb", default_grants={"member": ("view", "fly")}))


def test_a_view_without_filter_fields_filters_on_what_it_shows():
    from api.v1.features.products.views import ProductViewSet
    from core.filtering.backends import allowed_filter_fields
    from core.filtering.paths import AllowedFields
    from tests.testapp.views import TicketViewSet

    fields = allowed_filter_fields(TicketViewSet, Ticket)
    assert fields == (
        "id",
        "organization",
        "title",
        "state",
        "closed_by",
        "organization__code",
        "organization__name",
    )
    AllowedFields(Ticket, fields).check()  # every default leads to a field

    product_fields = allowed_filter_fields(ProductViewSet, Product)
    assert {"sku", "name", "status", "custom_fields", "tags__name"} <= set(product_fields)
    # Read through a relation by the serializer (category_name: category.name).
    assert {"category__slug", "category__name", "base_uom__name"} <= set(product_fields)
    assert "attributes" not in product_fields  # a JSON column
    assert "tags" not in product_fields  # the tags are filtered by name
    AllowedFields(Product, product_fields).check()

    class ExtendedView(ProductViewSet):
        extra_json_filter_fields = ("category__parent__name", "sku")

    extended = allowed_filter_fields(ExtendedView, Product)
    assert extended == (*product_fields, "category__parent__name")

    class OwnListView(ProductViewSet):
        json_filter_fields = ("sku",)

    # A view's own list still wins.
    assert allowed_filter_fields(OwnListView, Product) == ("sku",)
