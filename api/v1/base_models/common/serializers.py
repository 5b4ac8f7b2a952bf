from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from core.serializers import CustomFieldsSerializerMixin
from core.utils import exists_besides

from .models import (
    Address,
    Category,
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    TaxRate,
    UnitOfMeasure,
    validate_validity_period,
)

AUDIT_FIELDS = ["created_at", "updated_at"]


class ReferenceSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    """Base of the reference data serializers: custom fields validated, timestamps read-only."""

    class Meta:
        read_only_fields = AUDIT_FIELDS


class CurrencySerializer(ReferenceSerializer):
    class Meta(ReferenceSerializer.Meta):
        model = Currency
        fields = [
            "code",
            "name",
            "symbol",
            "numeric_code",
            "decimal_places",
            "is_active",
            "custom_fields",
            *AUDIT_FIELDS,
        ]


class StatusSerializer(ReferenceSerializer):
    class Meta(ReferenceSerializer.Meta):
        model = Status
        fields = [
            "slug",
            "name",
            "description",
            "category",
            "color",
            "custom_fields",
            *AUDIT_FIELDS,
        ]


class UnitOfMeasureSerializer(ReferenceSerializer):
    class Meta(ReferenceSerializer.Meta):
        model = UnitOfMeasure
        fields = ["code", "name", "uom_type", "symbol", "is_active", "custom_fields", *AUDIT_FIELDS]


class TaxJurisdictionSerializer(ReferenceSerializer):
    class Meta(ReferenceSerializer.Meta):
        model = TaxJurisdiction
        fields = [
            "code",
            "name",
            "jurisdiction_type",
            "parent",
            "level",
            "is_active",
            "custom_fields",
            *AUDIT_FIELDS,
        ]
        read_only_fields = [*AUDIT_FIELDS, "level"]


class TaxCategorySerializer(ReferenceSerializer):
    class Meta(ReferenceSerializer.Meta):
        model = TaxCategory
        fields = ["code", "name", "description", "is_active", "custom_fields", *AUDIT_FIELDS]


class TaxRateSerializer(ReferenceSerializer):
    class Meta(ReferenceSerializer.Meta):
        model = TaxRate
        fields = [
            "id",
            "jurisdiction",
            "tax_category",
            "name",
            "rate",
            "tax_type",
            "is_compound",
            "priority",
            "valid_from",
            "valid_to",
            "is_active",
            "custom_fields",
            *AUDIT_FIELDS,
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        valid_from = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        valid_to = attrs.get("valid_to", getattr(self.instance, "valid_to", None))
        try:
            validate_validity_period(valid_from, valid_to)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class AddressSerializer(ReferenceSerializer):
    """For the owners of an address to create and update it nested in their payloads:

    address = AddressSerializer()
    ...
    AddressSerializer().create(validated_data["address"])
    AddressSerializer().update(instance.address, validated_data["address"])
    """

    country = CountryField()

    class Meta(ReferenceSerializer.Meta):
        model = Address
        fields = [
            "id",
            "street_address_1",
            "street_address_2",
            "city",
            "state_province",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "status",
            "custom_fields",
            *AUDIT_FIELDS,
        ]


class CategorySerializer(ReferenceSerializer):
    """A category; its parent can be given by id (`parent`) or by slug (`parent_slug`)."""

    parent = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    parent_slug = serializers.SlugRelatedField(
        slug_field="slug",
        source="parent",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
    )
    slug = serializers.SlugField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="Generated from the name when omitted; made unique with a numeric suffix.",
    )

    class Meta(ReferenceSerializer.Meta):
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "parent",
            "parent_slug",
            "category_type",
            "level",
            "is_active",
            "custom_fields",
            *AUDIT_FIELDS,
        ]
        read_only_fields = [*AUDIT_FIELDS, "id", "level"]
        # Uniqueness of (parent, name, type) is checked in validate(), with a clear message.
        validators = []

    def to_internal_value(self, data):
        # Both fields write the parent; a payload may carry both (a representation sent
        # back with PUT) as long as they name the same category (or both none).
        if hasattr(data, "get") and "parent" in data and "parent_slug" in data:
            try:
                by_id = self.fields["parent"].run_validation(data.get("parent"))
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"parent": exc.detail}) from exc
            if (by_id.slug if by_id else None) != (data.get("parent_slug") or None):
                raise serializers.ValidationError(
                    {"parent_slug": [_("parent and parent_slug name different categories.")]}
                )
        return super().to_internal_value(data)

    def validate_slug(self, value):
        if (
            value
            and Category.objects.exclude(pk=getattr(self.instance, "pk", None))
            .filter(slug=value)
            .exists()
        ):
            raise serializers.ValidationError(_("A category with this slug already exists."))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance

        def current(field):
            return attrs[field] if field in attrs else getattr(instance, field, None)

        parent, category_type, name = current("parent"), current("category_type"), current("name")
        if parent is not None:
            if parent.category_type != category_type:
                raise serializers.ValidationError(
                    {"parent": [_("The parent category must have the same category type.")]}
                )
            if instance is not None and (
                parent.pk == instance.pk or parent.is_descendant_of(instance)
            ):
                raise serializers.ValidationError(
                    {"parent": [_("A category cannot be moved under itself or its descendants.")]}
                )
        if (
            instance is not None
            and category_type != instance.category_type
            and not instance.is_leaf_node()
        ):
            raise serializers.ValidationError(
                {"category_type": [_("A category with subcategories cannot change type.")]}
            )
        siblings = Category.objects.filter(parent=parent, name=name, category_type=category_type)
        if exists_besides(siblings, instance):
            raise serializers.ValidationError(
                {"name": [_("A category with this name and type already exists at this level.")]}
            )
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        return super().create(validated_data)

    @transaction.atomic
    def update(self, instance, validated_data):
        return super().update(instance, validated_data)


class CategoryTreeSerializer(serializers.ModelSerializer):
    """A category with its subcategories, nested (built from one query by the view)."""

    children = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "level",
            "is_active",
            "custom_fields",
            "children",
        ]

    def get_children(self, category) -> list[dict]:
        children = self.context["children"].get(category.pk, [])
        return CategoryTreeSerializer(children, many=True, context=self.context).data


class CategoryOfTypeField(serializers.PrimaryKeyRelatedField):
    """An active category of one type, by id (a product's category, a document's type).
    The record's current category stays acceptable once inactive (`source` names it).

        category = CategoryOfTypeField(CategoryType.PRODUCT, _("a product category"))
    """

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "wrong_type": _("Category {name!r} is not {kind}."),
        "inactive": _("Category {name!r} is inactive."),
    }

    def __init__(self, category_type: str, kind: str, **kwargs):
        kwargs.setdefault("queryset", Category.objects.all())
        super().__init__(**kwargs)
        self.category_type, self.kind = category_type, kind

    def to_internal_value(self, data):
        category = super().to_internal_value(data)
        if category.category_type != self.category_type:
            self.fail("wrong_type", name=category.name, kind=self.kind)
        current = getattr(self.parent.instance, f"{self.source}_id", None)
        if not category.is_active and category.pk != current:
            self.fail("inactive", name=category.name)
        return category
