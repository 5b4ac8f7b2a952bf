from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound

from core.conditional import ConditionalReadMixin
from core.pagination import BoundedCountPagination
from rbac.access import organizations_with_perm, visible_to
from rbac.rows import RowListMixin

from .filters import AuditLogFilter
from .models import AuditLog
from .serializers import AuditLogSerializer

VIEW_PERMISSION = "audit.view_auditlog"
TAGS = ["audit"]


def visible_logs(user):
    """The audit rows `user` may read: all of them with the global permission (staff
    auditors, superusers); otherwise the rows of the organizations where their role
    holds audit.view_auditlog."""
    return visible_to(AuditLog.objects.select_related("content_type"), user, global_perms=True)


class CanReadAudit(permissions.BasePermission):
    message = "Reading the audit log needs the audit permission (globally or in an organization)."

    def describe_access(self, view) -> str:
        return (
            f"Auditors: users holding `{VIEW_PERMISSION}` globally (every row), or whose "
            "role holds it in an organization (the rows of those organizations)."
        )

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perm(VIEW_PERMISSION) or bool(
            organizations_with_perm(user, VIEW_PERMISSION)
        )


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class AuditLogViewSet(RowListMixin, ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """The history of changes and security events, newest first. Organization auditors
    (audit.view_auditlog in their role) read their organizations' rows; staff with the
    global permission read all."""

    serializer_class = AuditLogSerializer
    permission_classes = [CanReadAudit]
    # The table grows without bound: the count stops at PAGINATION_COUNT_LIMIT rows.
    pagination_class = BoundedCountPagination
    filterset_class = AuditLogFilter
    search_fields = ["object_repr", "user_repr", "object_id"]
    json_filter_fields = (
        "action_type",
        "user",
        "user_repr",
        "organization",
        "content_type__app_label",
        "content_type__model",
        "object_id",
        "object_repr",
        "request_id",
        "created_at",
    )
    ordering_fields = ["created_at", "id", "action_type"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return visible_logs(self.request.user)


class AuditHistoryMixin:
    """Adds `GET <resource>/{pk}/history/` to a ViewSet (of `queryset.model`): the audit
    rows of that record (also once it is deleted), newest first, that the caller may
    read as an auditor. A record the caller can neither see nor read rows of is a 404.
    Paginated as the audit log is (the count bounded, `count_is_exact`), so that every
    list of audit rows has the one shape (and schema, PaginatedAuditLogList)."""

    @extend_schema(responses=AuditLogSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[CanReadAudit],
        filter_backends=[],
        serializer_class=AuditLogSerializer,
        pagination_class=BoundedCountPagination,
    )
    def history(self, request, **kwargs):
        """The audit rows of this record, newest first (also once it is deleted)."""
        model = type(self).queryset.model
        lookup_field = self.lookup_field
        value = kwargs[self.lookup_url_kwarg or lookup_field]
        if lookup_field in ("pk", model._meta.pk.name):
            try:
                value = model._meta.pk.to_python(value)
            except DjangoValidationError:
                raise NotFound from None  # "abc", "null": no record has such a key
            object_id = str(value)
        else:
            # Rows are kept by primary key: a record looked up otherwise (by slug) must
            # still exist to be found.
            found = model._default_manager.filter(**{lookup_field: value}).values_list(
                "pk", flat=True
            )
            object_id = str(found.first()) if found.exists() else None
        logs = (
            visible_logs(request.user)
            .filter(content_type=ContentType.objects.get_for_model(model), object_id=object_id)
            .order_by("-created_at", "-id")
        )
        if not logs.exists() and not self.get_queryset().filter(**{lookup_field: value}).exists():
            # Neither a record the caller may see nor rows they may read (unknown, or
            # another organization's): a 404, as retrieving it would be.
            raise NotFound
        page = self.paginate_queryset(logs)
        return self.get_paginated_response(AuditLogSerializer(page, many=True).data)
