"""The caller's own API keys: `/api/v1/auth/api-keys/`.

A user logged in with a JWT lists, creates and revokes their own keys; a key acts as
its user (it never grants more than the user has), optionally read-only. The full key
is shown once, in the answer to its creation; only its hash is stored. Keys of other
users answer 404, like unknown ones. An API key cannot manage keys (403). Creating and
revoking a key are security events: audited, and told to the user by email.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.choices import AuditAction
from core.filters import FilterSet

from . import notices
from .models import UserAPIKey
from .permissions import IsUserSession

NAME_MAX_LENGTH = UserAPIKey._meta.get_field("name").max_length


class APIKeyLimitReached(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("You have too many API keys; revoke one you no longer use.")
    default_code = "api_key_limit"


# ------------------------------------------------------------------------ services
def usable_keys(user):
    """The user's keys that still authenticate: not revoked, not expired."""
    return UserAPIKey.objects.filter(user=user, revoked=False).filter(
        Q(expiry_date__isnull=True) | Q(expiry_date__gt=timezone.now())
    )


def create_api_key(user, *, name, expiry_date=None, read_only=False, request=None):
    """A new key of `user` -> (UserAPIKey, the full key). Refused (APIKeyLimitReached)
    when the user already holds settings.API_KEY_MAX_PER_USER usable keys."""
    with transaction.atomic():
        # One creation at a time per user (a row lock on PostgreSQL), so that two
        # concurrent requests cannot both take the last place.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk"))
        limit = settings.API_KEY_MAX_PER_USER
        if usable_keys(user).count() >= limit:
            raise APIKeyLimitReached(
                _(
                    "You already have %(limit)d usable API keys, the most allowed; "
                    "revoke one you no longer use."
                )
                % {"limit": limit}
            )
        api_key, key = UserAPIKey.objects.create_key(
            user=user, name=name, expiry_date=expiry_date, read_only=read_only
        )
        notices.record(
            AuditAction.API_KEY_CREATE,
            user,
            request=request,
            content_object=api_key,
            context={"api_key": f"{api_key.name} ({api_key.prefix})"},
        )
    return api_key, key


def revoke_api_key(api_key: UserAPIKey, *, request=None) -> UserAPIKey:
    """Revoke the key (it is refused from then on; the row stays). Revoking a revoked
    key changes nothing and records nothing."""
    with transaction.atomic():
        # The condition in SQL: of concurrent revocations, one records the event.
        changed = UserAPIKey.objects.filter(pk=api_key.pk, revoked=False).update(revoked=True)
        if changed:
            notices.record(
                AuditAction.API_KEY_REVOKE,
                api_key.user,
                request=request,
                content_object=api_key,
                context={"api_key": f"{api_key.name} ({api_key.prefix})"},
            )
    api_key.revoked = api_key._initial_revoked = True
    return api_key


# --------------------------------------------------------------------- serializers
class APIKeySerializer(serializers.ModelSerializer):
    """An API key as its user sees it: never the key itself, nor its hash."""

    prefix = serializers.CharField(
        read_only=True,
        help_text=_("The key's public id: the part before the dot. Not a secret."),
    )
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH, help_text=_("What the key is for (need not be unique).")
    )
    has_expired = serializers.BooleanField(
        read_only=True, help_text=_("Whether the expiry date has passed.")
    )

    class Meta:
        model = UserAPIKey
        fields = [
            "prefix",
            "name",
            "created",
            "expiry_date",
            "revoked",
            "read_only",
            "last_used_at",
            "has_expired",
        ]
        read_only_fields = ["created", "revoked", "last_used_at"]
        extra_kwargs = {
            "expiry_date": {
                "help_text": _("After this moment the key is refused; empty: it never expires.")
            },
            "read_only": {
                "help_text": _("The key may only read (GET, HEAD, OPTIONS); writes get 403.")
            },
        }


class NewAPIKeySerializer(APIKeySerializer):
    """A new API key: what to create and, in the answer, the full key (shown this once
    only)."""

    key = serializers.CharField(
        read_only=True,
        help_text=_(
            "The full key, to send as `X-API-Key: <key>`. Shown this once only: store it "
            "somewhere safe, it cannot be read again."
        ),
    )

    class Meta(APIKeySerializer.Meta):
        fields = [*APIKeySerializer.Meta.fields, "key"]

    def validate_expiry_date(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("The expiry date must be in the future."))
        return value

    def create(self, validated_data):
        request = self.context["request"]
        api_key, key = create_api_key(request.user, request=request, **validated_data)
        api_key.key = key
        return api_key


class APIKeyFilter(FilterSet):
    class Meta:
        model = UserAPIKey
        fields = ["revoked", "read_only"]


# -------------------------------------------------------------------------- views
TAGS = ["auth"]
USER_LOGIN_ONLY = [{"jwtAuth": []}]
PREFIX = OpenApiParameter(
    "prefix",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The key's prefix (its public id, the part of the key before the dot).",
)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        auth=USER_LOGIN_ONLY,
        summary="List my API keys",
        description="Your own API keys, newest first (revoked and expired ones included; "
        "`?revoked=false` for the others). The keys themselves are never shown again.",
    ),
    create=extend_schema(
        tags=TAGS,
        auth=USER_LOGIN_ONLY,
        summary="Create an API key",
        description="A new key acting as you. The answer carries the full `key`, shown "
        "this once only. `expiry_date` must be in the future; `read_only` keys may only "
        "read. At most API_KEY_MAX_PER_USER usable keys per user (400 `api_key_limit`). "
        "You are told by email.",
        request=NewAPIKeySerializer,
        responses={201: NewAPIKeySerializer},
    ),
    retrieve=extend_schema(
        tags=TAGS,
        auth=USER_LOGIN_ONLY,
        summary="Read one of my API keys",
        description="Another user's key answers 404, like an unknown one.",
        parameters=[PREFIX],
    ),
    destroy=extend_schema(
        tags=TAGS,
        auth=USER_LOGIN_ONLY,
        summary="Revoke one of my API keys",
        description="Revokes the key: it is refused from then on (401 `api_key_revoked`) "
        "and stays listed as revoked. Revoking a revoked key succeeds and changes nothing.",
        parameters=[PREFIX],
        responses={204: None},
    ),
)
class APIKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own API keys: for your integrations, acting as you. Requires a user login
    (JWT): an API key cannot create or revoke keys (403)."""

    queryset = UserAPIKey.objects.all()
    serializer_class = APIKeySerializer
    permission_classes = [IsUserSession]
    lookup_field = "prefix"
    filterset_class = APIKeyFilter
    search_fields = ["name", "prefix"]
    ordering_fields = ["created", "name", "expiry_date", "last_used_at"]
    ordering = ["-created", "prefix"]
    json_filter_fields = (
        "name",
        "prefix",
        "created",
        "expiry_date",
        "revoked",
        "read_only",
        "last_used_at",
    )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return UserAPIKey.objects.none()
        return UserAPIKey.objects.filter(user=self.request.user).order_by("-created", "prefix")

    def get_serializer_class(self):
        if self.action == "create":
            return NewAPIKeySerializer
        return APIKeySerializer

    def perform_destroy(self, instance):
        revoke_api_key(instance, request=self.request)

    @extend_schema(
        tags=TAGS,
        auth=USER_LOGIN_ONLY,
        summary="Revoke one of my API keys (answering the key)",
        description="As `DELETE`, answering the revoked key.",
        operation_id="auth_api_keys_revoke",
        parameters=[PREFIX],
        request=None,
        responses={200: APIKeySerializer},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, prefix=None):
        api_key = revoke_api_key(self.get_object(), request=request)
        return Response(self.get_serializer(api_key).data)
