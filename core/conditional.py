"""No lost updates: ETags, conditional writes and conditional reads of a record.

Every detail response of a record (a read, and the answer of a create, update or
workflow transition) carries an `ETag` computed from the record as stored: its columns
(custom fields included) and its tags. It changes whenever the stored record changes,
and only then; it is a keyed hash (the SECRET_KEY's), so it tells nothing about the
record's content.

- `If-Match: <etag>` on PUT, PATCH, DELETE and transitions: the write happens only if
  the record is unchanged since; otherwise 412 Precondition Failed, with the current
  ETag, and nothing is written. The record's row is locked while its ETag is compared
  and the write is made, in one transaction: of two requests sent with the same ETag,
  exactly one succeeds. With the setting REQUIRE_IF_MATCH, a write without `If-Match`
  is a 428 Precondition Required.
- `If-None-Match: <etag>` on a read: 304 Not Modified, without a body, when the record
  is unchanged.

Finding the record comes first: a record the caller may not see is a 404 whatever the
headers say; then the body is read and validated (a 400 whatever the version), then
the precondition is checked.
"""

import datetime
import decimal
import json
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from . import registry
from .tagging import prefetch_tags

ETAG_HEADER = "ETag"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The record changed since you read it (its ETag is no longer the one of "
        "If-Match). Read it again, then retry your change."
    )
    default_code = "precondition_failed"

    def __init__(self, etag: str):
        super().__init__()
        self.etag = etag  # the current one, sent back in the ETag header


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the record's ETag in an If-Match header: changes are accepted only to the "
        "version you read."
    )
    default_code = "precondition_required"


def _plain(value):
    """Column values as text, exactly (microseconds, decimal places, ids)."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def record_etag(instance) -> str:
    """The ETag of `instance` as loaded: a keyed hash of its model, its columns and its
    tags (sorted names)."""
    model = type(instance)._meta.concrete_model
    state = {
        field.attname: getattr(instance, field.attname) for field in model._meta.concrete_fields
    }
    if registry.features(model).taggable:
        state["tags"] = sorted(tag.name for tag in instance.tags.all())
    payload = json.dumps(
        [model._meta.label_lower, state], sort_keys=True, default=_plain, ensure_ascii=False
    )
    digest = salted_hmac("core.conditional.etag", payload, algorithm="sha256").hexdigest()
    return f'"{digest[:40]}"'


def stored_etag(model, pk, *, lock: bool = False) -> str | None:
    """The ETag of the record `pk` of `model` as the database holds it now (None: it
    is gone); `lock` keeps its row locked until the transaction ends."""
    records = model._default_manager.filter(pk=pk)
    if lock:
        records = records.select_for_update()
    record = records.first()
    if record is None:
        return None
    if registry.features(model).taggable:
        prefetch_tags([record])
    return record_etag(record)


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def if_match(header: str, etag: str) -> bool:
    """`If-Match` holds: "*" (any current version) or one of its ETags, strongly
    compared (a weak W/ tag never matches)."""
    tags = _tags(header)
    return "*" in tags or etag in tags


def if_none_match(header: str, etag: str) -> bool:
    """`If-None-Match` lists the current version: "*" or one of its ETags, weakly
    compared."""
    tags = [tag.removeprefix("W/") for tag in _tags(header)]
    return "*" in tags or etag in tags


class ConditionalReadMixin:
    """ETags and `If-None-Match` on the reads of a record (`retrieve`)."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        etag = record_etag(instance)
        header = request.headers.get("If-None-Match")
        if header is not None and if_none_match(header, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={ETAG_HEADER: etag})
        response = Response(self.get_serializer(instance).data)
        response[ETAG_HEADER] = etag
        return response


class ConditionalWriteMixin(ConditionalReadMixin):
    """ETags on reads, and `conditional_write` for the writes of a viewset (see the
    mixins below, which use it for DRF's own actions)."""

    conditional_actions: frozenset[str] = frozenset()

    @contextmanager
    def conditional_write(self, instance, *, etag_after: bool = True):
        """Runs the write of the block only if `If-Match` (when sent) holds for the
        record as stored, its row locked until the write is committed; the response
        then carries the record's new ETag."""
        header = self.request.headers.get("If-Match")
        model = type(instance)
        with transaction.atomic():
            if header is None:
                if getattr(settings, "REQUIRE_IF_MATCH", False):
                    raise PreconditionRequired()
            else:
                current = stored_etag(model, instance.pk, lock=True)
                if current is None:
                    raise exceptions.NotFound()  # deleted in the meantime
                if not if_match(header, current):
                    raise PreconditionFailed(etag=current)
            yield
        if etag_after:
            self._etag_record = (model, instance.pk)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        written = getattr(self, "_etag_record", None)
        if written is not None and status.is_success(response.status_code):
            etag = stored_etag(*written)
            if etag is not None:
                response[ETAG_HEADER] = etag
        return response


class ConditionalDestroyMixin(ConditionalWriteMixin):
    """ETags on reads and `If-Match` on deletes, for a viewset whose records are read
    and deleted but not edited (see ConditionalRequestMixin for the rest)."""

    conditional_actions: frozenset[str] = frozenset({"destroy"})

    def destroy(self, request, *args, **kwargs):
        with self.conditional_write(self.get_object(), etag_after=False):
            return super().destroy(request, *args, **kwargs)


class ConditionalUpdateMixin(ConditionalWriteMixin):
    """ETags on reads and `If-Match` on updates, for a viewset whose records are edited
    but never deleted (chat rooms are archived). A custom action that changes a record
    runs its write inside `self.conditional_write(instance)` and names itself in
    `conditional_actions` (the workflow's transitions do)."""

    conditional_actions: frozenset[str] = frozenset({"update", "partial_update"})

    def update(self, request, *args, **kwargs):
        # DRF's update, with the write made under the precondition: the body is read
        # and validated first (a malformed body is a 400 whatever the version).
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with self.conditional_write(instance):
            self.perform_update(serializer)
        if getattr(instance, "_prefetched_objects_cache", None):
            instance._prefetched_objects_cache = {}
        return Response(serializer.data)


class ConditionalRequestMixin(ConditionalUpdateMixin, ConditionalDestroyMixin):
    """ETags and conditional requests for a ModelViewSet (see the module's docstring)."""

    conditional_actions: frozenset[str] = frozenset({"update", "partial_update", "destroy"})

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        model = self.get_queryset().model
        pk = response.data.get(model._meta.pk.name) if isinstance(response.data, dict) else None
        if pk is not None:
            self._etag_record = (model, pk)
        return response
