"""Factories of the inventory models, for this app's tests and every later app's.

    WarehouseFactory(organization=org, tags=["cold"], address=None)
    StockLocationFactory(warehouse=warehouse)       # a top-level location
    StockLocationFactory(parent=aisle)              # in the parent's warehouse
    StockLocationFactory(organization=org)          # in a new warehouse of `org`

A location's organization is always its warehouse's (the model sets it on save).
"""

import factory
from factory.django import DjangoModelFactory

from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.features.inventory.choices import LocationType, WarehouseType
from api.v1.features.inventory.models import StockLocation, Warehouse


class WarehouseFactory(DjangoModelFactory):
    class Meta:
        model = Warehouse
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    code = factory.Sequence(lambda n: f"WH{n:04d}")
    warehouse_type = factory.Iterator(WarehouseType.values)
    address = factory.SubFactory(AddressFactory)
    is_active = True
    custom_fields = factory.LazyFunction(dict)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class StockLocationFactory(DjangoModelFactory):
    class Meta:
        model = StockLocation

    class Params:
        # Not a model argument: where a new warehouse is made when none is given.
        organization = None

    warehouse = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.warehouse"),
        no_declaration=factory.Maybe(
            "organization",
            yes_declaration=factory.SubFactory(
                WarehouseFactory, organization=factory.SelfAttribute("..organization")
            ),
            no_declaration=factory.SubFactory(WarehouseFactory),
        ),
    )
    parent = None
    name = factory.Sequence(lambda n: f"Location {n}")
    barcode = ""
    location_type = factory.Iterator(LocationType.values)
    is_active = True
    custom_fields = factory.LazyFunction(dict)
