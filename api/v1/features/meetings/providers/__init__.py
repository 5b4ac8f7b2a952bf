"""The video-meeting providers (Jitsi Meet, JaaS, Zoom) behind one interface; see base."""

from .base import (
    PROVIDERS,
    EventKind,
    MeetingSpec,
    Participant,
    Provider,
    ProviderError,
    ProviderMeeting,
    WebhookEvent,
    WebhookRejected,
    get_provider,
    provider_for,
)

PROVIDER_NAMES = frozenset(PROVIDERS)

__all__ = [
    "PROVIDER_NAMES",
    "EventKind",
    "MeetingSpec",
    "Participant",
    "Provider",
    "ProviderError",
    "ProviderMeeting",
    "WebhookEvent",
    "WebhookRejected",
    "get_provider",
    "provider_for",
]
