"""The OpenAPI schema says what the server does: the error responses every operation
can give, with their shapes, and which operations answer without credentials.

Every operation gets the errors its view can produce, unless it documents that status
itself:

- 400 field errors (`{"field": ["message"], ...}`, or `{"detail", "code"}`): every body
  and every query string goes through the parsers and core.middleware, which refuse
  unstorable input;
- 401 and 403 when it needs credentials or permissions;
- 404 when its path names a record, when it is a paginated list (a page past the end),
  or when its body names a record the caller may not see (the view's `names_records`:
  the actions whose body does, as a comment's create);
- 409 for writes (a record still referenced, a workflow state that forbids it);
- 413 and 415 when it reads a body;
- 429 when the view throttles.

Conditional requests (core.conditional) are documented where a view offers them: the
`ETag` response header, `If-None-Match` and 304 on reads of a record, `If-Match`, 412
and 428 on its writes.

Every operation has a summary (its own, else derived from the action and the model:
"List products", "Create a product"; a custom action's from its docstring) and says who
may call it: each permission class of the view describes the access it grants
(`describe_access(view)`, see PERMISSION_TEXTS for DRF's own classes).
"""

import json

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, serializers

from .conditional import ConditionalReadMixin
from .filtering.backends import FILTER_NODE_REF, filter_node_components

ERROR = "Error"
FIELD_ERRORS = "FieldErrors"
ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: what went wrong, and a machine-readable code.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "example": "not_found"},
    },
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": (
        "Invalid input: the messages of each field that was refused "
        '(`{"name": ["This field is required."]}`; `non_field_errors` for the input as a '
        'whole; nested objects for nested fields), or `{"detail": ..., "code": ...}`.'
    ),
    "additionalProperties": {},
    "example": {"name": ["This field is required."]},
}
DESCRIPTIONS = {
    "400": "Invalid input: the messages of each field refused, or `parse_error`.",
    "401": "Missing or invalid credentials (`not_authenticated`, `authentication_failed`).",
    "403": "The caller may not do this (`permission_denied`).",
    "404": "Not found, or not visible to the caller (`not_found`).",
    "409": (
        "Conflicts with the current state of the record (`conflict`: still referenced; "
        "workflow refusals: `transition_not_allowed`, `transition_condition_failed`)."
    ),
    "413": "The body is too large (`request_too_large`).",
    "415": "The body's media type is not supported (`unsupported_media_type`).",
    "412": (
        "The record changed since it was read (If-Match no longer holds; "
        "`precondition_failed`): nothing was written; the ETag header holds the current "
        "version."
    ),
    "428": "This server requires If-Match on writes (REQUIRE_IF_MATCH; `precondition_required`).",
    "429": "Too many failed attempts; retry after the time in Retry-After (`throttled`).",
}
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201, 304, 412],
    description="The version of the record, for If-Match and If-None-Match.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the copy you hold: 304 without a body if it is still current.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The ETag of the version you read: the change is made only if the record is "
        "still that version (else 412). Required when the server sets REQUIRE_IF_MATCH."
    ),
)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Who DRF's own permission classes let call: {class name: text}.
PERMISSION_TEXTS = {
    "AllowAny": "Anyone, without credentials.",
    "IsAuthenticated": "Any signed-in user (a JWT or an API key).",
}
# The summaries of the standard actions of a model's viewset.
ACTION_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Get {a} {name}",
    "create": "Create {a} {name}",
    "update": "Replace {a} {name}",
    "partial_update": "Change {a} {name}",
    "destroy": "Delete {a} {name}",
}
# Permission classes that let anonymous callers read.
_ANONYMOUS_READERS = (permissions.AllowAny,)


def _blank_column(field) -> bool:
    """A read-only field (which DRF gives no allow_blank) over a column that may be blank."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if not field.read_only or model is None or "." in (field.source or ""):
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False


def access_text(view) -> str | None:
    """Who may call the view's current action, from its permission classes (None when
    one of them cannot say)."""
    texts = []
    for permission in view.get_permissions():
        describe = getattr(permission, "describe_access", None)
        text = describe(view) if describe else PERMISSION_TEXTS.get(type(permission).__name__)
        if not text:
            return None
        texts.append(str(text))
    return " ".join(dict.fromkeys(texts)) or PERMISSION_TEXTS["AllowAny"]


def _first_sentence(text: str) -> str:
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    sentence = paragraph.split(". ")[0].split(": ")[0].rstrip(".")
    return sentence[:1].upper() + sentence[1:]


class AutoSchema(SpectacularAutoSchema):
    def get_summary(self):
        """The operation's own summary, else one derived from its action and model."""
        summary = super().get_summary()
        if summary:
            return summary
        action = getattr(self.view, "action", None)
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if action in ACTION_SUMMARIES and model is not None:
            name = str(model._meta.verbose_name).lower()
            return ACTION_SUMMARIES[action].format(
                a="an" if name[:1] in "aeio" else "a",  # "a unit", "an organization"
                name=name,
                plural=str(model._meta.verbose_name_plural).lower(),
            )
        handler = getattr(self.view, action or self.method.lower(), None)
        doc = getattr(handler, "__doc__", None) or type(self.view).__doc__ or ""
        return _first_sentence(doc) if doc.strip() else None

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        access = access_text(self.view)
        if operation is not None and access:
            # After the description, whoever wrote it (a docstring or extend_schema).
            description = operation.get("description", "")
            operation["description"] = f"{description}\n\n**Who may call:** {access}".strip()
        return operation

    def get_tags(self):
        """The view's `schema_tags`, one attribute for all its operations (an operation's
        own extend_schema(tags=...) still wins), else the tag of its path."""
        tags = getattr(self.view, "schema_tags", None)
        return list(tags) if tags else super().get_tags()

    def _get_parameters(self):
        parameters = super()._get_parameters()
        if any(
            parameter.get("content", {}).get("application/json", {}).get("schema")
            == {"$ref": FILTER_NODE_REF}
            for parameter in parameters
        ):
            for name, schema in filter_node_components().items():
                self.registry.register_on_missing(
                    ResolvedComponent(
                        name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
                    )
                )
        for parameter in parameters:
            # `?status=` is no filter at all, as if the parameter were not sent (the
            # filters, search, ordering and pagination all read an empty value so).
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if "format" in schema and (getattr(field, "allow_blank", False) or _blank_column(field)):
            # A field that may be blank holds "" or a value of its format.
            schema["anyOf"] = [{"format": schema.pop("format")}, {"maxLength": 0}]

    def map_parsers(self):
        """JSON bodies; form and multipart bodies too where a file is uploaded. (Forms
        are read as well elsewhere, but they cannot carry nested objects, lists of
        objects or nulls as the JSON schema of those bodies describes them.)"""
        media_types = super().map_parsers()
        if self._uploads_files():
            return media_types
        return [media for media in media_types if media == "application/json"] or media_types

    def _uploads_files(self) -> bool:
        serializer = self.get_request_serializer()
        fields = getattr(force_instance(serializer), "fields", None) or {}
        return any(
            isinstance(field, serializers.FileField) and not field.read_only
            for field in fields.values()
        )

    def get_auth(self):
        auths = super().get_auth()
        if {} not in auths and self._anonymous_may_call():
            auths.append({})
        return auths

    def _anonymous_may_call(self) -> bool:
        """Permission classes that read "authenticated_users_only = False" (DRF's
        DjangoModelPermissionsOrAnonReadOnly and its subclasses) let anyone read."""
        if self.method not in permissions.SAFE_METHODS:
            return False
        found = self.view.get_permissions()
        return bool(found) and all(
            getattr(permission, "authenticated_users_only", True) is False for permission in found
        )

    def _conditional(self) -> str | None:
        """How the operation takes part in conditional requests: "read" (a record's
        ETag, If-None-Match), "write" (If-Match), "answer" (the answer carries the
        record's ETag: a create's, and the actions of the view's `etag_answers`)."""
        view = self.view
        if not isinstance(view, ConditionalReadMixin):
            return None
        action = getattr(view, "action", None)
        if action == "retrieve":
            return "read"
        if action in getattr(view, "conditional_actions", ()):
            return "write"
        if action == "create" and hasattr(view, "conditional_write"):
            return "answer"
        if action in getattr(view, "etag_answers", ()):
            return "answer"
        return None

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        kind = self._conditional()
        if kind == "read":
            parameters += [IF_NONE_MATCH, ETAG]
        elif kind == "write":
            parameters += [IF_MATCH, ETAG]
        elif kind == "answer":
            parameters.append(ETAG)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        kind = self._conditional()
        if kind == "read":
            responses.setdefault(
                "304",
                {
                    "description": "Not modified: your copy (If-None-Match) is current; no body.",
                    "headers": self._get_response_headers_for_code("304"),
                },
            )
        elif kind == "write":
            responses.setdefault("412", self._error_response("412"))
            responses["412"]["headers"] = self._get_response_headers_for_code("412")
            responses.setdefault("428", self._error_response("428"))
        for code in self._error_codes():
            responses.setdefault(code, self._error_response(code))
        return responses

    def _error_codes(self) -> list[str]:
        # Any query string can be refused (core.middleware.RequestGuardMiddleware).
        codes = ["400"]
        has_body = self.method in ("POST", "PUT", "PATCH")
        auth = self.get_auth()
        if auth and auth != [{}]:
            codes.append("401")
        if self.view.get_permissions() and not self._allows_anyone():
            codes.append("403")
        if (
            "{" in self.path
            or (self._is_list_view() and self._get_paginator())
            or getattr(self.view, "action", None) in getattr(self.view, "names_records", ())
        ):
            codes.append("404")
        if self.method in WRITES:
            codes.append("409")
        if has_body:
            codes += ["413", "415"]
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _allows_anyone(self) -> bool:
        return all(
            isinstance(permission, _ANONYMOUS_READERS) for permission in self.view.get_permissions()
        )

    def _error_response(self, code: str) -> dict:
        name, schema = (
            (FIELD_ERRORS, FIELD_ERRORS_SCHEMA)
            if code == "400"
            else (
                ERROR,
                ERROR_SCHEMA,
            )
        )
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return {
            "content": {"application/json": {"schema": component.ref}},
            "description": DESCRIPTIONS[code],
        }


def drop_unreferenced_components(result, generator, request, public):
    """Postprocessing hook: the schema components nothing refers to left out (the
    request halves of read-only nested serializers, which drf-spectacular registers
    though no request holds them), until every component left is referred to."""
    schemas = result.get("components", {}).get("schemas", {})
    while True:
        text = json.dumps(result, default=str)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return result
        for name in unused:
            del schemas[name]
