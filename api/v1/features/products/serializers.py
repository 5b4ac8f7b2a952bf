from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.base.serializers import ScopedModelSerializer
from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.models import UnitOfMeasure
from api.v1.base_models.common.serializers import CategoryOfTypeField
from core.serializers import UniqueGuardMixin
from core.utils import exists_besides

from .models import Product


def sku_taken(organization, sku, exclude=None) -> bool:
    """A product of `organization` has `sku`, in any letter case."""
    return exists_besides(
        Product.objects.filter(organization=organization, sku__iexact=sku), exclude
    )


class ProductSerializer(UniqueGuardMixin, ScopedModelSerializer):
    """A product of your organization's catalog. `status` is read-only here: it changes
    through the workflow's transitions (activate, discontinue, reset-to-draft)."""

    unique_names = ("organization", "sku")

    category = CategoryOfTypeField(
        CategoryType.PRODUCT,
        _("a product category"),
        required=False,
        allow_null=True,
        help_text="Id of an active category of type PRODUCT.",
    )
    category_slug = serializers.CharField(source="category.slug", read_only=True, allow_null=True)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    base_uom = serializers.PrimaryKeyRelatedField(
        queryset=UnitOfMeasure.objects.filter(is_active=True),
        help_text='Code of an active unit of measure (e.g. "EA", "KG").',
    )
    base_uom_name = serializers.CharField(source="base_uom.name", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "organization",
            "organization_name",
            "name",
            "sku",
            "description",
            "product_type",
            "category",
            "category_slug",
            "category_name",
            "status",
            "base_uom",
            "base_uom_name",
            "is_inventory_tracked",
            "is_purchasable",
            "is_sellable",
            "tags",
            "attributes",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # (organization, sku) is checked in validate(), case-insensitively.
        validators = []

    def validate_sku(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_attributes(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Attributes must be a JSON object."))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._check_unique(attrs)
        return attrs

    def unique_errors(self, values):
        organization, sku = values.get("organization"), values.get("sku")
        if organization is not None and sku and sku_taken(organization, sku, self.instance):
            return {"sku": [_("A product with this SKU already exists in the organization.")]}
        return {}

    # The product and its tags are written together or not at all.
    def create(self, validated_data):
        return self._guarded(lambda: super(ProductSerializer, self).create(validated_data))

    def update(self, instance, validated_data):
        return self._guarded(
            lambda: super(ProductSerializer, self).update(instance, validated_data)
        )
