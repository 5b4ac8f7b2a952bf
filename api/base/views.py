"""Viewsets of organization-scoped records.

`ScopedModelViewSet` is what a model's viewset starts from: it names its queryset,
serializer and filters, and gets what the model's features ask for (core.registry):

- tenancy and org-aware permissions (OrganizationScopedViewSetMixin): lists and
  lookups reach the records of the caller's organizations where their role may view
  the model, writes need the role's permission in the record's organization;
- audited: `GET {id}/history/`, the record's audit rows;
- workflow: one `POST {id}/<transition>/` per transition and
  `GET {id}/available-transitions/`;
- tree: `GET {id}/descendants/`, `ancestors/` and `children/`;
- lists read as rows, without model instances, wherever the serializer allows
  (rbac.rows);
- ETags on every record it answers, `If-Match` on writes and transitions (412 when the
  record changed since), `If-None-Match` on reads (304): core.conditional;
- `?filter=` on the model columns its serializer shows, the organization's code and
  name, `custom_fields` and `tags__name` (unless it lists `json_filter_fields`).

    class ProductViewSet(ScopedModelViewSet):
        queryset = Product.objects.select_related("organization")
        serializer_class = ProductSerializer
        filterset_class = ProductFilter
"""

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404

from audit.logs import note_organization
from audit.views import AuditHistoryMixin
from core import registry
from core.conditional import ConditionalRequestMixin
from core.models import CustomFieldDefinition
from core.tagging import prefetch_tags
from rbac.access import has_perm_in_org, member_organization_ids, visible_to
from rbac.permissions import GlobalModelPermissions, HasModelPermissionInOrg, model_permission
from rbac.rows import RowListMixin

from .serializers import CustomFieldDefinitionSerializer
from .workflows import WorkflowViewSetMixin


class OrganizationScopedViewSetMixin:
    """Tenancy for ViewSets of organization-bound records (core.models.OrganizationScoped).

    - Lists and lookups only reach records of the organizations where the caller's role
      may view the model (superusers: all); anything else is a 404, never a 403, so
      that another organization's records cannot even be confirmed.
    - Update and delete need the change and delete permissions in the record's
      organization (rbac.permissions.HasModelPermissionInOrg).
    - A create names its organization in the payload; it must be one of the caller's
      organizations and their role there must hold the add permission. Moving a
      record to another organization needs the change permission there too.

    Which records those are is `rbac.access.visible_to` (by the model's organization
    path in core.registry).
    """

    permission_classes = [HasModelPermissionInOrg]
    permission_verbs: dict[str, str] = {}

    def get_permission_model(self):
        return self.get_serializer_class().Meta.model

    def get_object_organization(self, obj):
        return obj.organization_id

    def check_object_permissions(self, request, obj):
        note_organization(request, self.get_object_organization(obj))
        super().check_object_permissions(request, obj)

    def get_queryset(self):
        return visible_to(super().get_queryset(), self.request.user)

    def get_filter_organizations(self):
        """The organizations whose custom field definitions `?filter=` reads."""
        return member_organization_ids(self.request.user)

    def check_organization_permission(self, verb: str, organization) -> None:
        model = self.get_permission_model()
        if not has_perm_in_org(self.request.user, model_permission(model, verb), organization):
            raise PermissionDenied(
                _("Your role in %(organization)s does not allow you to %(verb)s %(model)s.")
                % {
                    "organization": organization,
                    "verb": verb,
                    "model": model._meta.verbose_name_plural,
                }
            )

    def perform_create(self, serializer):
        organization = serializer.validated_data.get("organization")
        if organization is None:
            raise ValidationError({"organization": [_("This field is required.")]})
        note_organization(self.request, organization.pk)
        self.check_organization_permission("add", organization)
        serializer.save()

    def perform_update(self, serializer):
        organization = serializer.validated_data.get("organization")
        if organization is not None and organization.pk != serializer.instance.organization_id:
            self.check_organization_permission("change", organization)
        serializer.save()


TREE_RELATIVES = {
    "descendants": "All {plural} under this one that you may see, in tree order.",
    "ancestors": "The {plural} above this one that you may see, from the top.",
    "children": "The {plural} directly under this one that you may see.",
}


def _tree_action(viewset, relation: str):
    def relatives(self, request, *args, **kwargs):
        nodes = getattr(self.get_tree_node(), f"get_{relation}")()
        visible = self.filter_queryset(self.get_queryset()).filter(pk__in=nodes.values("pk"))
        page = self.paginate_queryset(visible)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    relatives.__name__ = relation
    relatives.__doc__ = TREE_RELATIVES[relation].format(
        plural=str(viewset.queryset.model._meta.verbose_name_plural).lower()
    )
    relatives = action(detail=True, methods=["get"])(relatives)
    return extend_schema(responses=viewset.serializer_class(many=True))(relatives)


class TreeActionsMixin:
    """`descendants/`, `ancestors/` and `children/` of a record of an MPTT tree:
    paginated lists of its relatives the caller may see, narrowed by the list's
    filters (which apply to the relatives, not to the record of the URL)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queryset = getattr(cls, "queryset", None)
        if queryset is None or not registry.features(queryset.model).tree:
            return
        for relation in TREE_RELATIVES:
            if relation not in cls.__dict__:
                setattr(cls, relation, _tree_action(cls, relation))

    def get_tree_node(self):
        """The record of the URL, found without the list's filters."""
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        node = get_object_or_404(
            self.get_queryset(), **{self.lookup_field: self.kwargs[lookup_url_kwarg]}
        )
        self.check_object_permissions(self.request, node)
        return node


class CustomFieldDefinitionViewSet(RowListMixin, ConditionalRequestMixin, viewsets.ModelViewSet):
    """The keys the `custom_fields` of each model may hold, with their type, whether
    they are required, their choices and bounds; globally or for one organization.
    Platform configuration: needs the global (staff) permissions on definitions."""

    schema_tags = ["custom fields"]

    queryset = CustomFieldDefinition.objects.select_related("content_type", "organization")
    serializer_class = CustomFieldDefinitionSerializer
    permission_classes = [GlobalModelPermissions]
    filterset_fields = ["organization", "field_type", "required", "is_active", "key"]
    search_fields = ["key", "label", "content_type__model"]
    json_filter_fields = (
        "key",
        "label",
        "field_type",
        "required",
        "is_active",
        "organization",
        "content_type__app_label",
        "content_type__model",
        "created_at",
    )
    ordering_fields = ["key", "id", "created_at"]


class ScopedModelViewSet(
    RowListMixin,
    ConditionalRequestMixin,
    WorkflowViewSetMixin,
    AuditHistoryMixin,
    TreeActionsMixin,
    OrganizationScopedViewSetMixin,
    viewsets.ModelViewSet,
):
    """The base viewset of a model's API (see the module's docstring)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queryset = getattr(cls, "queryset", None)
        if queryset is None:
            return
        features = registry.features(queryset.model)
        absent = {
            "history": not features.audited,
            "available_transitions": not features.workflow,
        }
        for name, hide in absent.items():
            if hide and name not in cls.__dict__:
                setattr(cls, name, None)  # not an action of this viewset

    def get_queryset(self):
        queryset = super().get_queryset()
        # Pages need a stable order, whatever the model's Meta says.
        return queryset if queryset.ordered else queryset.order_by("pk")

    # Tags are loaded in one query per page or record (core.tagging.prefetch_tags): a
    # viewset's queryset does not prefetch them. A page of rows (rbac.rows) reads
    # its own.
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page and isinstance(page[0], Model) and registry.features(queryset.model).taggable:
            prefetch_tags(page)
        return page

    def get_object(self):
        instance = super().get_object()
        if registry.features(type(instance)).taggable:
            prefetch_tags([instance])
        return instance
