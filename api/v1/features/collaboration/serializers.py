from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.serializers import VisibleFileField
from core import registry
from core.inputs import primary_key_or_none
from rbac.access import has_perm_in_org, visible_to
from rbac.serializers import ContentTypeField

from .choices import CommentStatus
from .models import MAX_LENGTH, Comment

RECORD_NOT_FOUND = _("No record of this type with id {id!r} among those you may see.")
NOT_COMMENTABLE = _("Comments cannot be about {model}.")
PARENT_ELSEWHERE = _("The comment replied to is about another record.")
FILE_ELSEWHERE = _("Attach files of the record's organization only.")
MODERATE = "collaboration.moderate_comment"


class RecordIdField(serializers.CharField):
    """A record's id, as text or as a whole number (not a boolean)."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        return super().to_internal_value(data)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user) -> str:
        return user.get_full_name()


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = FileStorage
        fields = ["id", "original_name", "size", "mime_type", "download_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, stored) -> str:
        path = reverse("api-v1:file-download", args=[stored.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


# Where a list's comments hold their related records, prefetched as lists (views).
PREFETCHED = {
    "attachments": "attachment_list",
    "mentions": "mention_list",
    "replies": "reply_list",
}


def _related(comment, name: str):
    """The comment's related records `name`: as prefetched, else queried."""
    found = getattr(comment, PREFETCHED[name], None)
    return found if found is not None else getattr(comment, name).all()


class VisibleCommentField(serializers.PrimaryKeyRelatedField):
    """A comment the caller may view, by id."""

    def get_queryset(self):
        request = self.context.get("request")
        return visible_to(Comment, request.user) if request else Comment.objects.none()


class CommentSerializer(serializers.ModelSerializer):
    """A comment. `content` and `attachments` are null and empty once its author deleted
    it, and for a comment a moderator hid (except for moderators)."""

    content_type = ContentTypeField(
        help_text=_('The type of the record it is about ("products.product").')
    )
    object_id = RecordIdField(max_length=64, help_text=_("The id of that record."))
    parent = VisibleCommentField(
        required=False,
        allow_null=True,
        help_text=_("The comment it replies to (a reply to a reply joins the same thread)."),
    )
    content = serializers.CharField(
        max_length=MAX_LENGTH,
        allow_null=True,
        help_text=_("The text; @username mentions a colleague who may view the record."),
    )
    attachment_ids = VisibleFileField(
        many=True,
        required=False,
        write_only=True,
        help_text=_("Ids of files of the record's organization that you may view."),
    )
    attachments = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    mentions = serializers.SerializerMethodField()
    replies = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "organization",
            "content_type",
            "object_id",
            "parent",
            "content",
            "status",
            "is_edited",
            "edited_at",
            "author",
            "mentions",
            "attachment_ids",
            "attachments",
            "replies",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["organization", "status", "is_edited", "edited_at"]

    def get_fields(self):
        # The files and the comment replied to are those the caller may view (their
        # fields' own querysets).
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # A comment stays on its record and in its thread.
            for name in ("content_type", "object_id", "parent"):
                fields[name].read_only = True
        return fields

    # ------------------------------------------------------------------ reading
    def _shows_content(self, comment) -> bool:
        if comment.status == CommentStatus.VISIBLE:
            return True
        if comment.status == CommentStatus.DELETED:
            return False
        request = self.context.get("request")
        return request is not None and has_perm_in_org(
            request.user, MODERATE, comment.organization_id
        )

    def to_representation(self, comment):
        data = super().to_representation(comment)
        if not self._shows_content(comment):
            data["content"] = None
            data["attachments"] = []
        return data

    # The nested serializers are built once per representation (of a page: its
    # comments share them), not once per comment.
    def _nested(self, name: str, make):
        nested = self.context.setdefault("_comment_serializers", {})
        if name not in nested:
            nested[name] = make()
        return nested[name]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, comment):
        attachments = self._nested(
            "attachments", lambda: AttachmentSerializer(many=True, context=self.context)
        )
        return attachments.to_representation(_related(comment, "attachments"))

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, comment):
        if not comment.created_by:
            return None
        return self._nested("person", PersonSerializer).to_representation(comment.created_by)

    @extend_schema_field(PersonSerializer(many=True))
    def get_mentions(self, comment):
        people = self._nested("people", lambda: PersonSerializer(many=True))
        return people.to_representation(_related(comment, "mentions"))

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_replies(self, comment):
        """The thread's replies, oldest first (top-level comments only)."""
        if comment.parent_id is not None:
            return []
        replies = self._nested(
            "replies", lambda: CommentSerializer(many=True, context=self.context)
        )
        return replies.to_representation(_related(comment, "replies"))

    # ------------------------------------------------------------------ writing
    def validate_content(self, value):
        if value is None or not value.strip():
            raise serializers.ValidationError(_("Write something."))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            # The record of a nested route (/products/{id}/comments/), or the one named.
            record = self.context.get("record")
            attrs["target"] = record if record is not None else self._target(attrs)
            attrs["content_type"] = ContentType.objects.get_for_model(attrs["target"])
            parent = attrs.get("parent")
            if parent is not None:
                if (parent.content_type_id, parent.object_id) != (
                    attrs["content_type"].pk,
                    str(attrs["target"].pk),
                ):
                    raise serializers.ValidationError({"parent": [PARENT_ELSEWHERE]})
                attrs["parent"] = parent.parent or parent  # one level of replies
        organization_id = (
            self.instance.organization_id
            if self.instance is not None
            else registry.organization_id_of(attrs["target"])
        )
        if organization_id is None:  # the record was deleted meanwhile
            raise NotFound
        attrs["organization_id"] = organization_id
        for stored in attrs.get("attachment_ids") or []:
            if stored.organization_id != organization_id:
                raise serializers.ValidationError({"attachment_ids": [FILE_ELSEWHERE]})
        return attrs

    def _target(self, attrs):
        content_type: ContentType = attrs["content_type"]
        model = content_type.model_class()
        if not registry.is_business_record(model):
            raise serializers.ValidationError(
                {
                    "content_type": [
                        NOT_COMMENTABLE.format(
                            model=f"{content_type.app_label}.{content_type.model}"
                        )
                    ]
                }
            )
        object_id = attrs["object_id"]
        found = (
            visible_to(model, self.context["request"].user)
            .filter(pk=primary_key_or_none(model, object_id))
            .first()
        )
        if found is None:
            # As a record outside the caller's organizations is everywhere else.
            raise NotFound(RECORD_NOT_FOUND.format(id=object_id))
        return found


class RecordCommentSerializer(CommentSerializer):
    """A comment posted to its record's own route: the record comes from the URL."""

    def get_fields(self):
        fields = super().get_fields()
        for name in ("content_type", "object_id"):
            fields[name].read_only = True
        return fields
