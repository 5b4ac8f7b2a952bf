"""The video-meeting providers (Jitsi Meet, JaaS, Zoom) behind one interface; see base."""

from .base import (
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

__all__ = [
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
