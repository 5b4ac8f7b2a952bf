"""API error handling: DRF's error shapes for every error a client can cause."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, UnreadablePostError
from mptt.exceptions import InvalidMove
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class RequestEntityTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is too large."
    default_code = "request_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


_UNREADABLE_BODY = "The request's body could not be read to its end."


def exception_handler(exc, context):
    """DRF's handler, plus:

    - the Django exceptions a request can raise become DRF errors:
      RequestDataTooBig (body over the configured limit) -> 413, other
      SuspiciousOperation (too many fields or files, ...) -> 400, a body that could not
      be read to its end (UnreadablePostError: the client left mid-upload) -> 400, and
      django.core.exceptions.ValidationError (model validation reached from a
      service or `full_clean`) -> 400 with DRF's field-error shape;
    - deleting a record that others still reference (PROTECT/RESTRICT) -> 409, saying
      what references it;
    - a refused conditional write (412) carries the record's current ETag;
    - `{"detail": ...}` errors carry their machine-readable `code` too
      (`not_authenticated`, `invalid_otp`, `throttled`, ...).
    """
    if isinstance(exc, InvalidMove):
        # django-mptt's own refusal, when the tree changed between a view's check and
        # the move.
        exc = exceptions.ValidationError({"parent": [str(exc)]})
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(_protected_message(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestEntityTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(str(exc) or None)
    elif isinstance(exc, UnreadablePostError):
        exc = exceptions.ParseError(_UNREADABLE_BODY)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and getattr(exc, "etag", None):
        response["ETag"] = exc.etag  # the current version, with a 412
    if (
        response is not None
        and isinstance(response.data, dict)
        and set(response.data) == {"detail"}
        and isinstance(exc, exceptions.APIException)
    ):
        code = exc.get_codes()
        if isinstance(code, str):
            response.data["code"] = code
        # Details an error adds for clients (the unmet conditions of a transition, ...).
        response.data.update(getattr(exc, "extra_data", {}))
    return response


def _protected_message(exc) -> str:
    """ "It is still referenced by 2 contacts and 1 organization." (counts per model)."""
    counts = {}
    for obj in exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects:
        meta = obj._meta
        counts.setdefault(meta, 0)
        counts[meta] += 1
    parts = [
        f"{count} {str(meta.verbose_name if count == 1 else meta.verbose_name_plural).lower()}"
        for meta, count in sorted(counts.items(), key=lambda item: str(item[0].verbose_name))
    ]
    return f"It cannot be deleted: it is still referenced by {', '.join(parts)}."
