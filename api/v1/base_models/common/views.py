from collections import defaultdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from audit.views import AuditHistoryMixin
from core.cache import CachedReadMixin
from core.conditional import ConditionalReadMixin, ConditionalRequestMixin
from rbac.permissions import ReferenceDataPermissions
from rbac.rows import RowListMixin

from .choices import CategoryType
from .filters import CategoryFilter, TaxJurisdictionFilter, TaxRateFilter
from .models import (
    Category,
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    TaxRate,
    UnitOfMeasure,
)
from .serializers import (
    CategorySerializer,
    CategoryTreeSerializer,
    CurrencySerializer,
    StatusSerializer,
    TaxCategorySerializer,
    TaxJurisdictionSerializer,
    TaxRateSerializer,
    UnitOfMeasureSerializer,
)

ACTIVE_BY_DEFAULT = OpenApiParameter(
    "is_active",
    bool,
    description="Lists show active records unless is_active is given: true, false, or "
    "empty for all.",
)


class ActiveByDefaultMixin:
    """Lists show active records unless `?is_active=` asks otherwise; detail routes
    find inactive records too (they are still referenced by older data)."""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and "is_active" not in self.request.query_params:
            queryset = queryset.filter(is_active=True)
        return queryset


class ReferenceDataViewSet(CachedReadMixin, ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """Read-only reference data: public, cached (core.cache), managed in the Admin."""

    permission_classes = [permissions.AllowAny]


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_BY_DEFAULT]))
class CurrencyViewSet(ActiveByDefaultMixin, ReferenceDataViewSet):
    """ISO 4217 currencies, by code (`/currencies/EUR/`)."""

    schema_tags = ["reference data"]

    queryset = Currency.objects.all()
    serializer_class = CurrencySerializer
    filterset_fields = ["is_active"]
    search_fields = ["code", "name", "numeric_code"]
    json_filter_fields = (
        "code",
        "name",
        "symbol",
        "numeric_code",
        "decimal_places",
        "is_active",
        "custom_fields",
    )
    ordering_fields = ["code", "name", "numeric_code", "decimal_places"]


class StatusViewSet(ReferenceDataViewSet):
    """Status values, by slug (`/statuses/active/`)."""

    schema_tags = ["reference data"]

    queryset = Status.objects.all()
    serializer_class = StatusSerializer
    filterset_fields = ["category"]
    search_fields = ["slug", "name", "description", "category"]
    json_filter_fields = ("slug", "name", "description", "category", "color", "custom_fields")
    ordering_fields = ["category", "name", "slug"]


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_BY_DEFAULT]))
class UnitOfMeasureViewSet(ActiveByDefaultMixin, ReferenceDataViewSet):
    """Units of measure, by code (`/uoms/KG/`)."""

    schema_tags = ["reference data"]

    queryset = UnitOfMeasure.objects.all()
    serializer_class = UnitOfMeasureSerializer
    filterset_fields = ["uom_type", "is_active"]
    search_fields = ["code", "name", "symbol", "uom_type"]
    json_filter_fields = ("code", "name", "symbol", "uom_type", "is_active", "custom_fields")
    ordering_fields = ["uom_type", "name", "code"]


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_BY_DEFAULT]))
class TaxJurisdictionViewSet(ActiveByDefaultMixin, ReferenceDataViewSet):
    """Tax jurisdictions (countries, their states and provinces), by code (`/US-CA/`)."""

    schema_tags = ["taxes"]

    queryset = TaxJurisdiction.objects.all()
    serializer_class = TaxJurisdictionSerializer
    filterset_class = TaxJurisdictionFilter
    search_fields = ["code", "name"]
    json_filter_fields = (
        "code",
        "name",
        "jurisdiction_type",
        "parent",
        "parent__code",
        "level",
        "is_active",
        "custom_fields",
    )
    ordering_fields = ["code", "name", "jurisdiction_type"]


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_BY_DEFAULT]))
class TaxCategoryViewSet(ActiveByDefaultMixin, ReferenceDataViewSet):
    """Tax categories (standard, reduced, zero, exempt, ...), by code."""

    schema_tags = ["taxes"]

    queryset = TaxCategory.objects.all()
    serializer_class = TaxCategorySerializer
    filterset_fields = ["is_active"]
    search_fields = ["code", "name", "description"]
    json_filter_fields = ("code", "name", "description", "is_active", "custom_fields")
    ordering_fields = ["code", "name"]


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_BY_DEFAULT]))
class TaxRateViewSet(ActiveByDefaultMixin, ReferenceDataViewSet):
    """Tax rates; `?valid_on=YYYY-MM-DD` keeps those valid on that date."""

    schema_tags = ["taxes"]

    queryset = TaxRate.objects.all()
    serializer_class = TaxRateSerializer
    filterset_class = TaxRateFilter
    search_fields = ["name", "jurisdiction__code", "jurisdiction__name"]
    json_filter_fields = (
        "name",
        "jurisdiction",
        "jurisdiction__code",
        "jurisdiction__name",
        "jurisdiction__jurisdiction_type",
        "tax_category",
        "rate",
        "tax_type",
        "is_compound",
        "priority",
        "valid_from",
        "valid_to",
        "is_active",
        "custom_fields",
    )
    ordering_fields = ["jurisdiction", "priority", "rate", "valid_from", "valid_to", "name"]


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_BY_DEFAULT]))
class CategoryViewSet(
    RowListMixin,
    ConditionalRequestMixin,
    AuditHistoryMixin,
    ActiveByDefaultMixin,
    viewsets.ModelViewSet,
):
    """Hierarchical categories by slug; `tree/<category_type>/` returns a whole tree.

    Shared by every organization: reading is public; creating, changing and deleting
    need the global permissions on categories (platform staff). Deleting a category
    deletes its subcategories.
    """

    schema_tags = ["categories"]

    queryset = Category.objects.select_related("parent")
    serializer_class = CategorySerializer
    permission_classes = [ReferenceDataPermissions]
    lookup_field = "slug"
    filterset_class = CategoryFilter
    search_fields = ["name", "slug", "description"]
    json_filter_fields = (
        "name",
        "slug",
        "description",
        "category_type",
        "parent",
        "parent__slug",
        "level",
        "is_active",
        "created_at",
        "updated_at",
        "custom_fields",
    )
    ordering_fields = ["name", "slug", "lft", "tree_id", "level", "created_at"]

    @extend_schema(
        tags=["categories"],
        parameters=[
            OpenApiParameter("category_type", str, OpenApiParameter.PATH, enum=CategoryType.values),
            OpenApiParameter(
                "include_inactive",
                bool,
                description="Include inactive categories (by default they are left out, "
                "with their subcategories).",
            ),
        ],
        responses=CategoryTreeSerializer(many=True),
    )
    @action(
        detail=False,
        url_path=r"tree/(?P<category_type>[^/.]+)",
        filter_backends=[],
        pagination_class=None,
    )
    def tree(self, request, category_type=None):
        """The categories of one type as nested trees (roots with their children), in
        one query."""
        category_type = category_type.upper()  # tree/product/ works as tree/PRODUCT/
        if category_type not in CategoryType.values:
            raise NotFound(
                _("Unknown category type; one of: %(types)s.")
                % {"types": ", ".join(CategoryType.values)}
            )
        try:
            include_inactive = serializers.BooleanField().run_validation(
                request.query_params.get("include_inactive", False)
            )
        except ValidationError as exc:
            raise ValidationError({"include_inactive": exc.detail}) from exc
        nodes = Category.objects.filter(category_type=category_type).order_by("tree_id", "lft")
        if not include_inactive:
            nodes = nodes.filter(is_active=True)
        children = defaultdict(list)
        for node in nodes:
            children[node.parent_id].append(node)
        # Nodes whose parent was filtered out (inactive) are left out with their subtree.
        serializer = CategoryTreeSerializer(
            children[None],
            many=True,
            context={**self.get_serializer_context(), "children": children},
        )
        return Response(serializer.data)
