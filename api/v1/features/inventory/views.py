from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from api.base.views import ScopedModelViewSet
from rbac.fields import check_writable

from . import services
from .filters import StockLocationFilter, WarehouseFilter
from .models import StockLocation, Warehouse, name_taken, parent_error
from .serializers import (
    StockLocationMoveSerializer,
    StockLocationSerializer,
    WarehouseSerializer,
    WarehouseStockLocationSerializer,
)

TAGS = ["inventory"]
NEW_PARENT_NAME_TAKEN = _("The new parent already has a location with this name.")


class WarehouseViewSet(ScopedModelViewSet):
    """Warehouses of your organizations. Your role in the warehouse's organization
    decides what you may do (inventory.view/add/change/delete_warehouse). A warehouse
    that still has stock locations cannot be deleted (409), nor moved to another
    organization (400)."""

    schema_tags = TAGS

    queryset = Warehouse.objects.select_related("organization", "address")
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilter
    search_fields = ["name", "code", "address__city", "address__postal_code"]
    ordering_fields = ["name", "code", "warehouse_type", "is_active", "created_at", "updated_at"]
    extra_json_filter_fields = ("address__country", "address__city")


class StockLocationViewSet(ScopedModelViewSet):
    """Stock locations (zones, aisles, racks, bins, ...) of your organizations'
    warehouses, in a hierarchy per warehouse. Your role in the organization decides
    what you may do (inventory.view/add/change/delete_stocklocation); the warehouse of
    a new location must be one you may see. A location with sub-locations cannot be
    deleted (409)."""

    schema_tags = TAGS

    queryset = StockLocation.objects.select_related("warehouse", "parent")
    serializer_class = StockLocationSerializer
    filterset_class = StockLocationFilter
    search_fields = ["name", "barcode", "warehouse__code", "warehouse__name"]
    ordering_fields = [
        "name",
        "barcode",
        "location_type",
        "warehouse__code",
        "tree_id",
        "lft",
        "level",
        "created_at",
        "updated_at",
    ]
    # By warehouse, then in tree order.
    ordering = ["warehouse__code", "tree_id", "lft"]
    permission_verbs = {"move": "change"}
    extra_json_filter_fields = ("warehouse__name",)

    # --------------------------------------------------------------------- hierarchy
    @extend_schema(
        tags=TAGS, request=StockLocationMoveSerializer, responses=StockLocationSerializer
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Re-parent this location (with everything under it) within its warehouse, or
        make it top-level with null. Needs the change permission; a parent in another
        warehouse, under this location, or with a child of the same name is refused
        (400)."""
        location = self.get_tree_node()
        check_writable(request, StockLocation, location.organization_id, "parent")
        serializer = StockLocationMoveSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        parent = serializer.validated_data["parent"]
        message = parent_error(location, parent, location.warehouse_id)
        if message:
            raise ValidationError({"parent": [message]})
        if parent != location.parent and name_taken(
            location.warehouse, parent, location.name, exclude=location
        ):
            raise ValidationError({"parent": [NEW_PARENT_NAME_TAKEN]})
        try:
            services.move_location(location, parent)
        except IntegrityError:
            # A sibling of the same name appeared since the check above.
            raise ValidationError({"parent": [NEW_PARENT_NAME_TAKEN]}) from None
        location = self.get_queryset().get(pk=location.pk)
        return Response(self.get_serializer(location).data)


WAREHOUSE_PATH_PARAMETER = OpenApiParameter(
    "warehouse_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the warehouse."
)


@extend_schema_view(
    list=extend_schema(parameters=[WAREHOUSE_PATH_PARAMETER]),
    create=extend_schema(parameters=[WAREHOUSE_PATH_PARAMETER]),
)
class WarehouseStockLocationViewSet(StockLocationViewSet):
    """The stock locations of one warehouse (`/warehouses/{id}/stock-locations/`): the
    same rules as /stock-locations/, the warehouse taken from the URL. A warehouse you
    may not see is a 404."""

    serializer_class = WarehouseStockLocationSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.warehouse = get_object_or_404(
            services.visible_warehouses(request.user).select_related("organization"),
            pk=kwargs["warehouse_pk"],
        )

    def get_queryset(self):
        return super().get_queryset().filter(warehouse_id=self.kwargs.get("warehouse_pk"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["warehouse"] = getattr(self, "warehouse", None)
        return context
