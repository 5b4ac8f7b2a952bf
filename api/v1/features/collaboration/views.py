from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from api.base.views import ScopedModelViewSet
from core import registry
from core.inputs import primary_key_or_none
from rbac.access import has_perm_in_org, visible_to
from rbac.permissions import HasModelPermissionInOrg
from rbac.rows import RowListMixin

from . import services
from .choices import CommentStatus
from .filters import CommentFilter
from .models import Comment
from .serializers import PREFETCHED, CommentSerializer, RecordCommentSerializer

ONLY_THE_AUTHOR = _("Only its author may change or delete a comment.")
NO_ADD = _("Your role in the record's organization does not allow you to comment.")
DELETED = _("This comment was deleted.")


class CommentPermission(HasModelPermissionInOrg):
    """The organization's permissions on comments, except that a comment is edited and
    deleted by its author only (moderators hide it instead)."""

    def has_object_permission(self, request, view, obj):
        if view.action in ("update", "partial_update", "destroy"):
            if obj.created_by_id != request.user.pk:
                raise PermissionDenied(ONLY_THE_AUTHOR)
            return True
        return super().has_object_permission(request, view, obj)

    def describe_access(self, view) -> str:
        if getattr(view, "action", None) in ("update", "partial_update", "destroy"):
            return "The comment's author."
        return super().describe_access(view)


# A comment's attachments and mentions are prefetched as lists
# (serializers.PREFETCHED): a prefetch into a related manager builds a queryset per
# comment and relation. Lists read rows instead (rbac.rows): the serializer's fields
# read a page's replies, mentions and attachments by one query each.
def _lists():
    return [Prefetch(name, to_attr=PREFETCHED[name]) for name in ("attachments", "mentions")]


def _comments():
    return Comment.objects.select_related("created_by", "content_type")


def _with_related(comments):
    """`comments` with their mentions, attachments and replies (with theirs), for
    comments read one by one."""
    replies = _comments().prefetch_related(*_lists())
    return comments.prefetch_related(*_lists(), Prefetch("replies", queryset=replies))


class CommentWriting:
    """Writing a comment from a validated serializer: the add permission in the
    record's organization, then services.create_comment."""

    def perform_create(self, serializer):
        data = serializer.validated_data
        organization_id = data["organization_id"]
        if not has_perm_in_org(self.request.user, "collaboration.add_comment", organization_id):
            raise PermissionDenied(NO_ADD)
        serializer.instance = services.create_comment(
            target=data["target"],
            organization=registry.organization_model().objects.get(pk=organization_id),
            content=data["content"],
            parent=data.get("parent"),
            attachments=data.get("attachment_ids") or [],
        )


class CommentViewSet(CommentWriting, ScopedModelViewSet):
    """Comments on the business records of your organizations, in threads one level
    deep. The list holds the threads (top-level comments, oldest first, each with its
    replies) of the records you may view; `?content_type=products.product&object_id=7`
    gives one record's. A comment belongs to its record's organization: writing one
    needs `collaboration.add_comment` there and a record you may view. Its author edits
    (marked `is_edited`; the audit log keeps the previous text) and deletes it (the
    text goes, the place in the thread stays); moderators
    (`collaboration.moderate_comment`) hide and restore it. `@username` notifies a
    mentioned colleague who may view the record."""

    schema_tags = ["comments"]

    queryset = _comments()
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    permission_classes = [CommentPermission]
    permission_verbs = {"hide": "moderate", "restore": "moderate"}
    conditional_actions = frozenset({"update", "partial_update", "destroy", "hide", "restore"})
    search_fields = ["content"]
    # A create names the record commented on: one the caller may not see is a 404, as
    # everywhere else (core.schema documents it).
    names_records = frozenset({"create"})
    json_filter_fields = ("content", "status", "object_id", "organization", "created_at")
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        # Only comments on records the caller may view: visible_to applies
        # Comment.restrict_visible.
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset.filter(parent__isnull=True)
        return _with_related(queryset)

    def perform_update(self, serializer):
        comment = serializer.instance
        if comment.status == CommentStatus.DELETED:
            raise ValidationError({"detail": DELETED})
        data = serializer.validated_data
        services.edit_comment(
            comment, content=data.get("content"), attachments=data.get("attachment_ids")
        )

    def perform_destroy(self, instance):
        services.delete_comment(instance)

    def _moderated(self, change) -> Response:
        comment = self.get_object()
        with self.conditional_write(comment):
            change(comment)
        comment = self.get_queryset().get(pk=comment.pk)
        return Response(self.get_serializer(comment).data, status=status.HTTP_200_OK)

    @extend_schema(summary="Hide a comment (moderators)", request=None)
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        """Its text and attachments are shown to moderators only, until restored."""
        return self._moderated(lambda comment: services.hide_comment(comment, request.user))

    @extend_schema(summary="Show a hidden comment again (moderators)", request=None)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        return self._moderated(services.restore_comment)


class RecordCommentsPermission(CommentPermission):
    def describe_access(self, view) -> str:
        verb = "view" if view.request.method in ("GET", "HEAD") else "add"
        return (
            f"Users whose role holds `collaboration.{verb}_comment` in the organization of "
            "the record, which they may view (superusers: any)."
        )


@extend_schema_view(
    get=extend_schema(summary="The comment threads of a record, replies nested"),
    post=extend_schema(summary="Comment on a record"),
)
class RecordCommentsView(CommentWriting, RowListMixin, generics.ListCreateAPIView):
    """The comments of one record, on its own route (`/products/{id}/comments/`): its
    threads, oldest first, replies nested (GET), and a new comment on it (POST, the
    body of /comments/ without `content_type` and `object_id`). A record outside your
    organizations, or that does not exist, is a 404."""

    schema_tags = ["comments"]
    record_model = None  # set by of()
    serializer_class = RecordCommentSerializer
    permission_classes = [RecordCommentsPermission]
    filterset_class = CommentFilter
    search_fields = ["content"]
    json_filter_fields = CommentViewSet.json_filter_fields
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    @classmethod
    def of(cls, model) -> type:
        """The view of `model`'s records' comments."""
        return type(f"{model.__name__}CommentsView", (cls,), {"record_model": model})

    def get_permission_model(self):
        return Comment

    def get_object_organization(self, obj):
        return obj.organization_id

    def get_record(self):
        if not hasattr(self, "_record"):
            model = self.record_model
            pk = primary_key_or_none(model, self.kwargs["record_pk"])
            self._record = visible_to(model, self.request.user).filter(pk=pk).first()
            if self._record is None:
                raise NotFound
        return self._record

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Comment.objects.none()
        record = self.get_record()
        return visible_to(_comments(), self.request.user).filter(
            content_type=ContentType.objects.get_for_model(record),
            object_id=str(record.pk),
            parent__isnull=True,
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.method == "POST":
            context["record"] = self.get_record()
        return context
