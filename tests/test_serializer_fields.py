"""The fields of a scoped serializer are built from its model once per class and
copied for each serializer (api.base.serializers): each serializer gets its own, and
they are what DRF builds."""

import copy
from unittest import mock

import pytest
from django.urls import get_resolver
from rest_framework import serializers

from api.base.serializers import ScopedModelSerializer
from api.v1.base_models.contact.serializers import ContactSerializer
from api.v1.features.products.models import Product
from api.v1.features.products.serializers import ProductSerializer
from api.v1.features.products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def scoped_serializers() -> list[type]:
    assert get_resolver().url_patterns  # every view, so every serializer, imported
    found, todo = [], [ScopedModelSerializer]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if getattr(getattr(subclass, "Meta", None), "model", None) is not None:
                found.append(subclass)
    return found


def shown(fields) -> dict:
    return {name: repr(field) for name, field in fields.items()}


def test_the_fields_are_those_drf_builds():
    classes = scoped_serializers()
    assert ProductSerializer in classes
    assert len(classes) >= 10
    for cls in classes:
        serializer = cls()
        built = serializers.ModelSerializer.get_fields(serializer)
        cached = ScopedModelSerializer._model_fields(serializer)
        assert shown(cached) == shown(built), cls.__name__


def test_each_serializer_has_its_own_fields():
    first, second = ProductSerializer(), ProductSerializer()
    first.fields["name"].read_only = True
    assert first.fields["name"] is not second.fields["name"]
    assert not second.fields["name"].read_only
    assert not ProductSerializer().fields["name"].read_only
    assert first.fields["name"].parent is first
    assert second.fields["name"].parent is second


def test_each_field_has_its_own_validators_and_children():
    first, second = ProductSerializer(), ProductSerializer()
    assert first.fields["sku"].validators
    assert first.fields["sku"].validators is not second.fields["sku"].validators
    first.fields["sku"].validators.append(lambda value: None)
    assert len(ProductSerializer().fields["sku"].validators) == len(second.fields["sku"].validators)
    # A field holding others has its own: a nested serializer's child (deep-copied),
    # a list field's child (copied), each bound to its own holder.
    one, other = ContactSerializer(), ContactSerializer()
    nested, again = one.fields["email_addresses"], other.fields["email_addresses"]
    assert nested.child is not again.child
    assert nested.child.parent is nested
    assert again.child.parent is again
    tags, more = first.fields["tags"], second.fields["tags"]
    assert tags is not more
    assert tags.child is not more.child
    assert tags.child.parent is tags
    assert more.child.parent is more
    assert tags.parent is first
    assert more.parent is second
    tags.child.max_length = 3
    assert more.child.max_length != 3
    assert ProductSerializer().fields["tags"].child.max_length != 3


def test_copied_fields_read_and_validate_as_built():
    product = ProductFactory(name="Bolt", tags=["red", "blue"])
    copied = ProductSerializer(product).data
    built = ProductSerializer(product)
    built.get_fields = lambda: serializers.ModelSerializer.get_fields(built)
    assert sorted(copied["tags"]) == ["blue", "red"]
    assert copied == built.data
    refused = ProductSerializer(data={"name": "x" * 1000, "tags": ["t" * 1000]})
    assert not refused.is_valid()
    assert set(refused.errors) >= {"name", "tags"}


def test_a_field_with_slots_is_deep_copied():
    from api.base.serializers import _copier, _copy_field

    class Slotted(serializers.CharField):
        __slots__ = ("extra",)

    assert _copier(Slotted()) is copy.deepcopy
    assert _copier(serializers.CharField()) is _copy_field


def counting_builds():
    return mock.patch.object(
        serializers.ModelSerializer,
        "build_field",
        autospec=True,
        side_effect=serializers.ModelSerializer.build_field,
    )


def test_fields_are_built_once_per_class():
    class Fresh(ProductSerializer):
        class Meta(ProductSerializer.Meta):
            pass

    with counting_builds() as build:
        assert Fresh().fields
        first = build.call_count
        assert Fresh().fields
        assert Fresh(Product(name="x")).fields
    assert first > 0
    assert build.call_count == first  # then copied


def test_a_class_with_its_own_init_builds_its_own():
    class Varying(ProductSerializer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

        class Meta(ProductSerializer.Meta):
            pass

    with counting_builds() as build:
        assert Varying().fields
        first = build.call_count
        assert Varying().fields
    assert first > 0
    assert build.call_count == 2 * first
