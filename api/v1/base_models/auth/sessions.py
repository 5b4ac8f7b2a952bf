"""Login sessions: every JWT pair belongs to an AuthSession (the refresh token's `sid`
claim), followed across refresh-token rotations, listed to its user and revocable."""

import uuid

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from core.http import client_ip

from .models import AuthSession

SESSION_CLAIM = "sid"


def _client(request) -> dict:
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    django_request = getattr(request, "_request", request)
    return {
        "ip_address": client_ip(django_request) or None,
        "user_agent": django_request.META.get("HTTP_USER_AGENT", "")[:255],
    }


def start(user, request=None) -> RefreshToken:
    """A new session and its first refresh token (with the `sid` claim)."""
    refresh = RefreshToken.for_user(user)
    now = timezone.now()
    session = AuthSession.objects.create(
        user=user,
        created_at=now,
        last_used_at=now,
        expires_at=datetime_from_epoch(refresh["exp"]),
        refresh_jti=refresh[jwt_settings.JTI_CLAIM],
        **_client(request),
    )
    refresh[SESSION_CLAIM] = str(session.pk)
    return refresh


def session_of(token) -> AuthSession | None:
    """The session a token (refresh or access) belongs to; None for tokens issued
    before sessions were tracked, or a session that is gone."""
    try:
        sid = uuid.UUID(str(token.payload[SESSION_CLAIM]))
    except (AttributeError, KeyError, ValueError):  # no token, an older one, a bad id
        return None
    return AuthSession.objects.filter(pk=sid).first()


def is_revoked(token) -> bool:
    session = session_of(token)
    return session is not None and session.revoked_at is not None


def rotated(old_jti: str, new_refresh: RefreshToken, request=None) -> None:
    """Follow a refresh: the session's current token is the new one."""
    AuthSession.objects.filter(
        pk=new_refresh.payload.get(SESSION_CLAIM), refresh_jti=old_jti
    ).update(
        refresh_jti=new_refresh[jwt_settings.JTI_CLAIM],
        expires_at=datetime_from_epoch(new_refresh["exp"]),
        last_used_at=timezone.now(),
        **_client(request),
    )


def active_for(user):
    return AuthSession.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def _blacklist(outstanding) -> None:
    already = set(
        BlacklistedToken.objects.filter(token__in=outstanding).values_list("token_id", flat=True)
    )
    BlacklistedToken.objects.bulk_create(
        [
            BlacklistedToken(token_id=pk)
            for pk in outstanding.values_list("pk", flat=True)
            if pk not in already
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def revoke(sessions) -> int:
    """Revoke these sessions: their current refresh tokens are blacklisted. Returns how
    many were active."""
    sessions = list(sessions.select_for_update().filter(revoked_at__isnull=True))
    if not sessions:
        return 0
    AuthSession.objects.filter(pk__in=[session.pk for session in sessions]).update(
        revoked_at=timezone.now()
    )
    _blacklist(OutstandingToken.objects.filter(jti__in=[s.refresh_jti for s in sessions]))
    return sum(1 for session in sessions if session.expires_at > timezone.now())


@transaction.atomic
def revoke_all(user, *, keep=None) -> int:
    """Log the user out everywhere (but `keep`, a session): every session revoked and
    every outstanding refresh token blacklisted, those issued before sessions were
    tracked included. Returns how many sessions were active."""
    sessions = AuthSession.objects.filter(user=user)
    outstanding = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now())
    if keep is not None:
        sessions = sessions.exclude(pk=keep.pk)
        outstanding = outstanding.exclude(jti=keep.refresh_jti)
    count = revoke(sessions)
    _blacklist(outstanding)
    return count
