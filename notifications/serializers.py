import re

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.inputs import primary_key_or_none
from core.registry import organization_model
from core.utils import exists_besides
from rbac.access import visible_to
from rbac.rows import ComputedBooleanField, ComputedTextField, RowField

from . import preferences
from .choices import EmailDigest
from .emails import TEMPLATE_FIELDS, template_errors
from .models import Notification, NotificationTemplate


def visible_targets(user, targets) -> set[tuple[int, str]]:
    """Of the (content type id, object id) of the records notifications are about,
    those `user` may view now: one query per kind of record, whatever their number."""
    wanted: dict[int, set[str]] = {}
    for content_type_id, object_id in targets:
        if content_type_id is not None:
            wanted.setdefault(content_type_id, set()).add(object_id)
    visible = set()
    for content_type_id, object_ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:  # a model that no longer exists
            continue
        keys = {primary_key_or_none(model, object_id) for object_id in object_ids} - {None}
        found = visible_to(model, user).filter(pk__in=keys).order_by().values_list("pk", flat=True)
        visible.update((content_type_id, str(pk)) for pk in found)
    return visible


def _target(notification) -> tuple[int | None, str]:
    return notification.target_content_type_id, notification.target_object_id


class NotificationListSerializer(serializers.ListSerializer):
    """Works out once for the whole page which records it may show (`target`), as
    TargetField's row batch does for a page read as rows (rbac.rows)."""

    prepares_only = True

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        if request is not None and "visible_targets" not in self.context:
            targets = [_target(row) for row in rows]
            self.context["visible_targets"] = visible_targets(request.user, targets)
        return super().to_representation(rows)


TARGET_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "The record the notification is about, while you may view it "
    '(null otherwise): its kind ("app_label.model") and id.',
    "properties": {
        "type": {"type": "string", "example": "products.product"},
        "id": {"type": "string", "example": "42"},
    },
}


@extend_schema_field(TARGET_SCHEMA)
class TargetField(RowField, serializers.Field):
    row_columns = ("target_content_type_id", "target_object_id")

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, notification):
        target = _target(notification)
        visible = self.context.get("visible_targets")
        if visible is None:
            request = self.context.get("request")
            visible = visible_targets(request.user, [target]) if request is not None else set()
        return self.from_row(target, visible)

    def row_batch(self, values, request):
        return visible_targets(request.user, values) if request is not None else set()

    def from_row(self, values, batch):
        if values[0] is None or values not in batch:
            return None
        content_type = ContentType.objects.get_for_id(values[0])
        return {"type": f"{content_type.app_label}.{content_type.model}", "id": values[1]}


def _actor_name(actor_id, first_name, last_name, username) -> str | None:
    """A user's full name or else username (Django's get_full_name, get_username)."""
    if actor_id is None:
        return None
    return f"{first_name} {last_name}".strip() or username


def _is_set(value) -> bool:
    return value is not None


class NotificationSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="type_code", read_only=True)
    organization_name = serializers.CharField(
        source="organization.name", read_only=True, default=None
    )
    actor_name = ComputedTextField(
        _actor_name,
        ["actor_id", "actor__first_name", "actor__last_name", "actor__username"],
        allow_null=True,
    )
    target = TargetField()
    is_read = ComputedBooleanField(_is_set, ["read_at"])

    class Meta:
        model = Notification
        list_serializer_class = NotificationListSerializer
        fields = [
            "id",
            "type",
            "level",
            "title",
            "message",
            "action_url",
            "action_text",
            "organization",
            "organization_name",
            "actor",
            "actor_name",
            "target",
            "count",
            "is_read",
            "read_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField(
        help_text="Your unread notifications, counted up to NOTIFICATION_UNREAD_COUNT_LIMIT "
        "(1000 by default)."
    )
    unread_count_is_exact = serializers.BooleanField(
        help_text="False when there are more than `unread_count` (show it as 1000+)."
    )


class MarkedReadSerializer(UnreadCountSerializer):
    marked = serializers.IntegerField(help_text="Notifications marked read by this call.")


TYPE_CODE = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


class NotificationPreferencesSerializer(serializers.Serializer):
    """The caller's choices of what reaches them where (stored in their profile's
    `notification_preferences`). A type's own switch wins over the switch for every
    type, which wins over the default."""

    in_app = serializers.BooleanField(
        allow_null=True,
        required=False,
        default=None,
        help_text="In the app, for every type (null: the default, on).",
    )
    email = serializers.BooleanField(
        allow_null=True,
        required=False,
        default=None,
        help_text="By email, for every type (null: the default, on for "
        "`email_by_default` types only).",
    )
    types = serializers.DictField(
        child=serializers.DictField(child=serializers.BooleanField()),
        required=False,
        default=dict,
        help_text='Per type code, a switch per channel: {"comment_mention": {"email": false}}.',
    )
    email_digest = serializers.ChoiceField(
        choices=EmailDigest.choices,
        required=False,
        default=EmailDigest.IMMEDIATE,
        help_text="Each email at once, or the unread notifications in one email an hour or a day.",
    )
    email_by_default = serializers.SerializerMethodField(
        help_text="The types sent by email until you say otherwise."
    )

    def get_email_by_default(self, _value) -> list[str]:
        return sorted(preferences.DEFAULT_EMAIL_TYPES)

    def validate_types(self, value):
        reserved = {*preferences.CHANNELS, preferences.EMAIL_DIGEST}
        errors = {}
        for type_code, switches in value.items():
            if type_code in reserved or not re.match(TYPE_CODE, type_code):
                errors[type_code] = [
                    "A type code is lowercase letters, digits, '_', '.' or '-' (at most 64), "
                    f"and not one of {', '.join(sorted(reserved))}."
                ]
                continue
            unknown = sorted(set(switches) - set(preferences.CHANNELS))
            if unknown:
                errors[type_code] = [
                    f"Unknown channels: {', '.join(unknown)}; channels are "
                    f"{', '.join(preferences.CHANNELS)}."
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class NotificationTemplateSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=organization_model().objects.all(),
        required=False,
        allow_null=True,
        help_text="Only for this organization's notifications; empty for every one.",
    )

    class Meta:
        model = NotificationTemplate
        fields = [
            "id",
            "type_code",
            "organization",
            "language",
            "subject",
            "body_text",
            "body_html",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # uniqueness checked in validate(), NULL organization included

    def validate_type_code(self, value):
        if not re.match(TYPE_CODE, value):
            raise serializers.ValidationError(
                "A type code is lowercase letters, digits, '_', '.' or '-' (at most 64)."
            )
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        values = {
            name: getattr(self.instance, name)
            for name in ("type_code", "organization", "language", *TEMPLATE_FIELDS)
            if self.instance is not None
        }
        values.update(attrs)
        errors = template_errors(NotificationTemplate(**values))
        if errors:
            raise serializers.ValidationError(errors)
        duplicates = NotificationTemplate.objects.filter(
            type_code=values["type_code"],
            organization=values.get("organization"),
            language=values.get("language", ""),
        )
        if exists_besides(duplicates, self.instance):
            raise serializers.ValidationError(
                {
                    "type_code": [
                        "A template of this type already exists for this organization and language."
                    ]
                }
            )
        return attrs
