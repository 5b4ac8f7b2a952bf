"""Response cache of read-only reference data endpoints (currencies, units, ...).

Reference data is read on most request paths and changes rarely. A viewset with
CachedReadMixin keeps the serialized data of its list and detail responses in the
Django cache (Redis in production, shared by every process), keyed by the full URL
and by a version of the model's data. Any save or delete of the model (and every
`migrate`) moves the version on, so the next read rebuilds from the database; the
timeout bounds staleness for writes that send no signal (queryset.update()).
The data is the same for every caller, so only endpoints whose output does not
depend on the user may use it.
"""

import hashlib
import time
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from rest_framework import status
from rest_framework.response import Response

from .conditional import ETAG_HEADER, if_none_match

_watched = set()


def _version_key(model) -> str:
    return f"reference-data-version:{model._meta.label_lower}"


def data_version(model) -> int:
    return cache.get_or_set(_version_key(model), time.time_ns, timeout=None)


def invalidate(model) -> None:
    cache.set(_version_key(model), time.time_ns(), timeout=None)


def _invalidate_sender(sender, **kwargs):
    """At once, and again once the change is committed: a process that read the row
    between the two (another process, before the commit) cached what it saw under the
    first new version, which the second leaves behind."""
    invalidate(sender)
    transaction.on_commit(partial(invalidate, sender), robust=True)


def _invalidate_all(**kwargs):
    for model in _watched:
        invalidate(model)


def watch(model) -> None:
    """Invalidate the cached responses of `model` whenever one of its rows changes."""
    if model in _watched:
        return
    _watched.add(model)
    uid = f"reference-cache:{model._meta.label_lower}"
    post_save.connect(_invalidate_sender, sender=model, dispatch_uid=uid)
    post_delete.connect(_invalidate_sender, sender=model, dispatch_uid=uid)


post_migrate.connect(_invalidate_all, dispatch_uid="reference-cache:migrate")


class CachedReadMixin:
    """For read-only viewsets of watched models (see `watch`)."""

    cache_timeout = 300

    def list(self, request, *args, **kwargs):
        return self._cached(request, super().list, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._cached(request, super().retrieve, *args, **kwargs)

    def _cached(self, request, handler, *args, **kwargs):
        model = self.get_queryset().model
        url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        key = f"reference-data:v2:{model._meta.label_lower}:{data_version(model)}:{url}"
        cached = cache.get(key)
        if cached is not None:
            data, etag = cached
            header = request.headers.get("If-None-Match")
            if etag and header is not None and if_none_match(header, etag):
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={ETAG_HEADER: etag})
            return Response(data, headers={ETAG_HEADER: etag} if etag else None)
        response = handler(request, *args, **kwargs)
        if response.status_code == 200:
            cache.set(key, (response.data, response.get(ETAG_HEADER)), self.cache_timeout)
        return response
