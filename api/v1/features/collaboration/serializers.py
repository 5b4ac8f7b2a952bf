from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.serializers import VisibleFileField
from core import registry
from core.inputs import primary_key_or_none
from rbac.access import has_perm_in_org, visible_to
from rbac.rows import ComputedTextField, RecordURLField, RowField, route_maker
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


def _full_name(first_name: str, last_name: str) -> str:
    """Django's User.get_full_name of these names."""
    return f"{first_name} {last_name}".strip()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = ComputedTextField(_full_name, ["first_name", "last_name"])


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = RecordURLField("api-v1:file-download")

    class Meta:
        model = FileStorage
        fields = ["id", "original_name", "size", "mime_type", "download_url"]
        read_only_fields = fields


# Where a comment's detail holds its related records, prefetched as lists (views).
PREFETCHED = {"attachments": "attachment_list", "mentions": "mention_list"}


def _related(comment, name: str):
    """The comment's related records `name`: as prefetched, else queried."""
    found = getattr(comment, PREFETCHED[name], None)
    return found if found is not None else getattr(comment, name).all()


def content_shown(request):
    """shows(status, organization id): whether the caller of `request` sees the text and
    attachments of a comment: a visible one's, and a hidden one's where they moderate
    comments; never a deleted one's."""
    moderates = {}

    def shows(status, organization) -> bool:
        if status == CommentStatus.VISIBLE:
            return True
        if status == CommentStatus.DELETED or request is None:
            return False
        if organization not in moderates:
            moderates[organization] = has_perm_in_org(request.user, MODERATE, organization)
        return moderates[organization]

    return shows


class ShownContentField(RowField, serializers.CharField):
    """The text: null once its author deleted it, and while a moderator hides it
    (except for moderators)."""

    row_columns = ("content", "status", "organization_id")

    def get_attribute(self, comment):
        return comment.content, comment.status, comment.organization_id

    def to_representation(self, values):
        return self.from_row(values, content_shown(self.context.get("request")))

    def row_batch(self, values, request):
        return content_shown(request)

    def from_row(self, values, shows):
        content, status, organization = values
        return content if shows(status, organization) else None


class _RelatedListField(RowField, serializers.Field):
    """A list of a comment's related records (`related`), as `serializer_class` writes
    them: from its prefetched list for an instance, for a page of rows by one query
    (`rows(comment ids, request)`: {comment id: [representation]})."""

    related = ""
    serializer_class = None

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, comment):
        serializer = self.serializer_class(many=True, context=self.context)
        return serializer.to_representation(_related(comment, self.related))

    def row_batch(self, values, request):
        return self.rows([pk for pk, *_rest in values], request)

    def from_row(self, values, batch):
        return batch.get(values[0], [])


class RelatedListSchema(OpenApiSerializerFieldExtension):
    """The schema of a _RelatedListField: a list of its serializer's records, in
    responses (it is read-only: nothing in requests)."""

    target_class = _RelatedListField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        listed = self.target.serializer_class(many=True)
        return auto_schema._map_serializer_field(listed, "response")


class MentionsField(_RelatedListField):
    """The colleagues the text names, by username."""

    row_columns = ("pk",)
    related = "mentions"
    serializer_class = PersonSerializer

    def to_representation(self, comment):
        people = sorted(_related(comment, "mentions"), key=lambda person: person.username)
        return PersonSerializer(people, many=True).data

    @staticmethod
    def rows(comment_ids, _request) -> dict[int, list[dict]]:
        people = {}
        mentioned = Comment.mentions.through.objects.filter(comment__any=comment_ids)
        for comment, pk, username, first_name, last_name in mentioned.order_by(
            "user__username"
        ).values_list("comment", "user", "user__username", "user__first_name", "user__last_name"):
            people.setdefault(comment, []).append(
                {"id": pk, "username": username, "full_name": _full_name(first_name, last_name)}
            )
        return people


class AttachmentsField(_RelatedListField):
    """The files attached, newest first: none shown while the text is not
    (ShownContentField)."""

    row_columns = ("pk", "status", "organization_id")
    related = "attachments"
    serializer_class = AttachmentSerializer

    def to_representation(self, comment):
        shows = content_shown(self.context.get("request"))
        return (
            super().to_representation(comment)
            if shows(comment.status, comment.organization_id)
            else []
        )

    def row_batch(self, values, request):
        return super().row_batch(values, request), content_shown(request)

    def from_row(self, values, batch):
        files, shows = batch
        _pk, status, organization = values
        return super().from_row(values, files) if shows(status, organization) else []

    @staticmethod
    def rows(comment_ids, request) -> dict[int, list[dict]]:
        files, url = {}, route_maker("api-v1:file-download", 1, request)
        attached = Comment.attachments.through.objects.filter(comment__any=comment_ids)
        order = [
            f"-file__{f[1:]}" if f[0] == "-" else f"file__{f}" for f in FileStorage._meta.ordering
        ]
        for comment, pk, name, size, mime_type in attached.order_by(*order).values_list(
            "comment", "file", "file__original_name", "file__size", "file__mime_type"
        ):
            files.setdefault(comment, []).append(
                {
                    "id": pk,
                    "original_name": name,
                    "size": size,
                    "mime_type": mime_type,
                    "download_url": url(pk),
                }
            )
        return files


@extend_schema_field(serializers.ListField(child=serializers.DictField(), max_length=0))
class NoRepliesField(RowField, serializers.Field):
    """A reply's replies: none (threads are one level deep)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, _comment):
        return []

    def from_row(self, values, batch):
        return []


class VisibleCommentField(serializers.PrimaryKeyRelatedField):
    """A comment the caller may view, by id."""

    def get_queryset(self):
        request = self.context.get("request")
        return visible_to(Comment, request.user) if request else Comment.objects.none()


class _CommentFields(serializers.ModelSerializer):
    """A comment. `content` and `attachments` are null and empty once its author deleted
    it, and for a comment a moderator hid (except for moderators)."""

    # get_fields only makes fields read-only.
    readable_fields_fixed = True

    content_type = ContentTypeField(
        help_text=_('The type of the record it is about ("products.product").')
    )
    object_id = RecordIdField(max_length=64, help_text=_("The id of that record."))
    parent = VisibleCommentField(
        required=False,
        allow_null=True,
        help_text=_("The comment it replies to (a reply to a reply joins the same thread)."),
    )
    content = ShownContentField(
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
    attachments = AttachmentsField()
    author = PersonSerializer(source="created_by", read_only=True, allow_null=True)
    mentions = MentionsField()

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


class ReplySerializer(_CommentFields):
    """A reply in a thread (no replies of its own)."""

    replies = NoRepliesField()


class CommentSerializer(_CommentFields):
    __doc__ = _CommentFields.__doc__

    replies = ReplySerializer(
        many=True, read_only=True, help_text=_("The thread's replies, oldest first.")
    )

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
