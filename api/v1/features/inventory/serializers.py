from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.base.serializers import ScopedModelSerializer
from api.v1.base_models.common.models import Address
from api.v1.base_models.common.serializers import AddressSerializer
from core.serializers import UniqueGuardMixin, missing_fields

from . import services
from .models import (
    BARCODE_TAKEN,
    CODE_TAKEN,
    NAME_TAKEN,
    WAREHOUSE_FIXED,
    WAREHOUSE_HAS_LOCATIONS,
    StockLocation,
    Warehouse,
    barcode_taken,
    code_taken,
    name_taken,
    parent_error,
)


# ------------------------------------------------------------------------ warehouses
class WarehouseSerializer(UniqueGuardMixin, ScopedModelSerializer):
    """A warehouse. `address` is written nested (an object creates or updates the
    warehouse's own address, null removes it); `code` is unique in the organization
    whatever its letter case."""

    unique_names = ("organization", "code")

    address = AddressSerializer(
        required=False,
        allow_null=True,
        help_text="The warehouse's address, written nested; null for none (virtual warehouses).",
    )

    class Meta:
        model = Warehouse
        fields = [
            "id",
            "organization",
            "organization_name",
            "name",
            "code",
            "warehouse_type",
            "address",
            "is_active",
            "tags",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The unique code is checked in validate(), case-insensitively, with a clear message.
        validators = []

    def unique_errors(self, values):
        organization, code = values.get("organization"), values.get("code")
        if (
            organization is not None
            and code
            and code_taken(organization, code, exclude=self.instance)
        ):
            return {"code": [CODE_TAKEN]}
        return {}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance
        organization = attrs.get("organization")
        if (
            instance is not None
            and organization is not None
            and organization.pk != instance.organization_id
            and instance.stock_locations.exists()
        ):
            raise serializers.ValidationError({"organization": [WAREHOUSE_HAS_LOCATIONS]})
        address = attrs.get("address")
        if address is not None and getattr(instance, "address_id", None) is None:
            missing = missing_fields(self.fields["address"], address)
            if missing:
                raise serializers.ValidationError({"address": missing})
        self._check_unique(attrs)
        return attrs

    def create(self, validated_data):
        def write():
            address = validated_data.pop("address", None)
            if address is not None:
                validated_data["address"] = Address.objects.create(**address)
            return super(WarehouseSerializer, self).create(validated_data)

        return self._guarded(write)

    def update(self, instance, validated_data):
        def write():
            discarded = None
            if "address" in validated_data:
                address = validated_data.pop("address")
                current = instance.address
                if address is None:
                    instance.address = None
                    discarded = getattr(current, "pk", None)
                elif current is not None:
                    AddressSerializer().update(current, address)
                else:
                    instance.address = Address.objects.create(**address)
            updated = super(WarehouseSerializer, self).update(instance, validated_data)
            services.discard_address(discarded)
            return updated

        return self._guarded(write)


# ------------------------------------------------------------------- stock locations
@extend_schema_field(OpenApiTypes.INT)
class WarehouseField(serializers.PrimaryKeyRelatedField):
    """A warehouse the caller may see. Any other id, of another organization or of
    none, gets the same "does not exist" answer."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Warehouse.objects.none()
        visible = services.visible_warehouses(request.user)
        instance = getattr(self.parent, "instance", None)
        if isinstance(instance, StockLocation):
            # Sending back the current warehouse (a PUT of the representation) is fine.
            visible = visible | Warehouse.objects.filter(pk=instance.warehouse_id)
        return visible


@extend_schema_field(OpenApiTypes.INT)
class StockLocationField(serializers.PrimaryKeyRelatedField):
    """A stock location the caller may see; others read as ids that do not exist."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return StockLocation.objects.none()
        visible = services.visible_locations(request.user)
        instance = getattr(self.parent, "instance", None)
        if isinstance(instance, StockLocation) and instance.parent_id is not None:
            visible = visible | StockLocation.objects.filter(pk=instance.parent_id)
        return visible


class StockLocationSerializer(UniqueGuardMixin, ScopedModelSerializer):
    """A stock location. Its organization is its warehouse's (read-only here); the
    warehouse is chosen on create and never changes; the parent is a location of the
    same warehouse, or null for a top-level one."""

    unique_names = ("warehouse", "parent", "name", "barcode")

    organization = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Id of the organization: the warehouse's."
    )
    warehouse = WarehouseField(help_text="Id of the warehouse; cannot change afterwards.")
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    parent = StockLocationField(
        required=False,
        allow_null=True,
        help_text="Id of the parent location (same warehouse), or null for a top-level one.",
    )
    parent_name = serializers.CharField(source="parent.name", read_only=True, allow_null=True)

    class Meta:
        model = StockLocation
        fields = [
            "id",
            "organization",
            "warehouse",
            "warehouse_code",
            "parent",
            "parent_name",
            "name",
            "barcode",
            "location_type",
            "is_active",
            "level",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "level", "created_at", "updated_at"]
        # Names per parent and barcodes per warehouse are checked in validate(), with
        # clear messages (NULL parents included).
        validators = []

    def _warehouse(self, attrs):
        return (
            attrs.get("warehouse")
            or self.context.get("warehouse")
            or getattr(self.instance, "warehouse", None)
        )

    # FieldPermissionSerializerMixin and CustomFieldsSerializerMixin: the rules and
    # definitions of the warehouse's organization apply.
    def get_target_organization(self, attrs):
        if self.instance is not None:
            return self.instance.organization_id
        warehouse = self._warehouse(attrs)
        return warehouse.organization_id if warehouse is not None else None

    def get_custom_fields_organization(self, attrs):
        warehouse = self._warehouse(attrs)
        return warehouse.organization if warehouse is not None else None

    def unique_errors(self, values):
        warehouse, name = values["warehouse"], values.get("name")
        errors = {}
        if name and name_taken(warehouse, values.get("parent"), name, exclude=self.instance):
            errors["name"] = [NAME_TAKEN]
        if barcode_taken(warehouse, values.get("barcode"), exclude=self.instance):
            errors["barcode"] = [BARCODE_TAKEN]
        return errors

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance
        warehouse = self._warehouse(attrs)
        if instance is not None and warehouse.pk != instance.warehouse_id:
            raise serializers.ValidationError({"warehouse": [WAREHOUSE_FIXED]})
        attrs["warehouse"] = warehouse
        parent = attrs["parent"] if "parent" in attrs else getattr(instance, "parent", None)
        message = parent_error(instance, parent, warehouse.pk)
        if message:
            raise serializers.ValidationError({"parent": [message]})
        self._check_unique(attrs)
        if instance is None:
            # Read by OrganizationScopedViewSetMixin.perform_create, which checks the add
            # permission there.
            attrs["organization"] = warehouse.organization
        return attrs

    def create(self, validated_data):
        return self._guarded(lambda: super(StockLocationSerializer, self).create(validated_data))

    def update(self, instance, validated_data):
        return self._guarded(
            lambda: super(StockLocationSerializer, self).update(instance, validated_data)
        )


class WarehouseStockLocationSerializer(StockLocationSerializer):
    """A stock location created under /warehouses/{id}/stock-locations/: the warehouse
    is the one of the URL."""

    warehouse = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Id of the warehouse: the one of the URL."
    )


class StockLocationMoveSerializer(serializers.Serializer):
    parent = StockLocationField(
        allow_null=True,
        help_text="Id of the new parent location (same warehouse), or null for top level.",
    )
