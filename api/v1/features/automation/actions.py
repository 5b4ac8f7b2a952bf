"""What rules do: one registry of action types.

An action type is a class registered under a name, with a serializer of its
parameters (checked when the rule is saved, and the API's documentation of them), a
`run` that does it and answers what it did, and a `simulate` that answers what it would
do, changing and calling nothing:

    @register
    class SetFields(Action):
        name = "set_fields"
        label = "Set fields on the record"
        parameters = SetFieldsParameters

        def run(self, context, parameters) -> dict: ...
        def simulate(self, context, parameters) -> dict: ...

Actions act as the rule's owner in the rule's organization (`context.owner`): through the
record's API serializer (its validation and field rules), with the owner's permissions
checked first (ActionRefused when they lack one). Texts of parameters are Django
templates over the record (as the owner reads it in the API), its values before the
change, the changes, the rule and the organization: `{{ record.name }}`,
`{{ before.status }}`, `{{ changes.price.new }}`.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.template import Context as TemplateContext
from django.template import Engine, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

from core import workflows
from notifications.choices import NotificationLevel
from rbac.access import has_perm_in_org, visible_to
from rbac.permissions import model_permission

from .targets import api_view_of

# Templates: Django's language, without loaders (no {% include %} of files) and without
# HTML escaping (they make texts, not pages).
ENGINE = Engine(loaders=[], autoescape=False, libraries={})
MAX_TEMPLATE_LENGTH = 10_000


class ActionRefused(Exception):
    """The owner may not do what the action does (logged as "refused")."""


class ActionFailed(Exception):
    """The action could not be done (logged as "failed", with the message)."""


@dataclass
class Context:
    """What an action runs on."""

    rule: object
    owner: object
    model: type
    record: object  # the record (None once deleted)
    before: dict | None
    after: dict | None
    changes: dict
    log: object = None  # the AutomationLog of this evaluation (set before actions run)
    index: int = 0  # the action's position in the rule
    # Work for once the log is saved (webhook deliveries).
    deferred: list = field(default_factory=list)
    _data: dict | None = field(default=None, repr=False)

    @property
    def organization_id(self) -> int:
        return self.rule.organization_id

    def request(self) -> Request:
        """A request of the owner (for serializers and views)."""
        http = HttpRequest()
        http.method = "POST"
        http.META["HTTP_HOST"] = "localhost"
        http.user = self.owner
        request = Request(http)
        request.user = self.owner
        return request

    def view(self, model, action: str, **kwargs):
        view_class = api_view_of(model)
        if view_class is None:
            raise ActionFailed(_("%(model)s records have no API.") % {"model": model._meta.label})
        return view_class(
            request=self.request(), args=(), kwargs=kwargs, format_kwarg=None, action=action
        )

    def data(self) -> dict:
        """The record as the owner reads it in the API (the `after` values once gone)."""
        if self._data is None:
            if self.record is None:
                self._data = dict(self.after or self.before or {})
            else:
                view = self.view(self.model, "retrieve", pk=self.record.pk)
                self._data = dict(view.get_serializer(self.record).data)
        return self._data

    def hidden(self) -> frozenset:
        """The fields of the record the owner's role may not read (field rules)."""
        from rbac.fields import field_restrictions

        return field_restrictions(self.request(), self.model, self.organization_id)[0]

    def readable(self, values: dict | None) -> dict:
        """`values` (before values, changes) without the fields hidden from the owner."""
        hidden = self.hidden()
        return {name: value for name, value in (values or {}).items() if name not in hidden}

    def template_values(self) -> dict:
        return {
            "record": self.data(),
            "before": self.readable(self.before),
            "changes": self.readable(self.changes),
            "rule": {"id": self.rule.pk, "name": self.rule.name},
            "organization": {"id": self.organization_id},
            "owner": {"id": self.owner.pk, "username": self.owner.get_username()},
        }

    def render(self, text: str) -> str:
        try:
            return ENGINE.from_string(text).render(TemplateContext(self.template_values()))
        except Exception as exc:  # a template that fails on this record's values
            raise ActionFailed(
                _("The template could not be rendered: %(error)s") % {"error": exc}
            ) from exc

    def existing_record(self, verb: str):
        """The record, once the owner may `verb` it (ActionFailed once it is gone)."""
        if self.record is None:
            raise ActionFailed(_("The record no longer exists."))
        self.require(self.model, verb, self.record)
        return self.record

    def require(self, model, verb: str, record=None) -> None:
        """ActionRefused unless the owner may `verb` `model` records in the rule's
        organization (and `record`, when given)."""
        perm = model_permission(model, verb)
        allowed = has_perm_in_org(self.owner, perm, self.organization_id)
        if allowed and record is not None:
            allowed = visible_to(
                model._default_manager.filter(pk=record.pk), self.owner, verb
            ).exists()
        if not allowed:
            raise ActionRefused(
                _("The rule's owner %(owner)s may not %(verb)s %(model)s records here.")
                % {
                    "owner": self.owner.get_username(),
                    "verb": verb,
                    "model": model._meta.verbose_name,
                }
            )


def template_field(**kwargs):
    return serializers.CharField(
        max_length=MAX_TEMPLATE_LENGTH,
        validators=[check_template],
        help_text=kwargs.pop("help_text", "")
        + " A template: {{ record.<field> }}, {{ before.<field> }}, {{ rule.name }}.",
        **kwargs,
    )


def check_template(text: str) -> None:
    try:
        ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise serializers.ValidationError(
            _("Not a valid template: %(error)s") % {"error": exc}
        ) from exc


def render_values(context: Context, values: dict) -> dict:
    """Field values whose texts are templates, rendered."""
    return {
        name: context.render(value) if isinstance(value, str) and "{" in value else value
        for name, value in values.items()
    }


class Action:
    """The base of action types (see the module)."""

    name = ""
    label = ""
    description = ""
    parameters: type[serializers.Serializer] = serializers.Serializer
    # Whether it changes records (an owner without the rule's model's permissions is
    # refused before it runs).
    changes_records = True

    def validate(self, rule, parameters) -> dict:
        """The parameters checked for `rule` (serializers.ValidationError otherwise)."""
        serializer = self.parameters(data=parameters, context={"rule": rule})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def run(self, context: Context, parameters: dict) -> dict:
        raise NotImplementedError

    def simulate(self, context: Context, parameters: dict) -> dict:
        raise NotImplementedError


_registry: dict[str, Action] = {}


def register(action_class):
    """Register an action type (a class decorator)."""
    _registry[action_class.name] = action_class()
    return action_class


def get(name: str) -> Action | None:
    return _registry.get(name)


def action_types() -> list[Action]:
    return sorted(_registry.values(), key=lambda action: action.name)


# ------------------------------------------------------------------ the action types


class FieldValues(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.JSONField(), allow_empty=False, **kwargs)


def _writable(view, values: dict) -> None:
    """ValidationError for field names the view's serializer does not take."""
    serializer = view.get_serializer()
    writable = {name for name, each in serializer.fields.items() if not each.read_only}
    unknown = sorted(set(values) - writable)
    if unknown:
        raise serializers.ValidationError(
            _("Not writable fields of these records: %(names)s. Writable: %(writable)s.")
            % {"names": ", ".join(unknown), "writable": ", ".join(sorted(writable))}
        )


def _errors(errors) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{name}: {_errors(each)}" for name, each in errors.items())
    if isinstance(errors, list):
        return " ".join(_errors(each) for each in errors)
    return str(errors)


class _StaticView:
    """A view of a model for checking parameters at save (no request user needed)."""

    @staticmethod
    def of(model, action: str):
        view_class = api_view_of(model)
        request = Request(HttpRequest())
        request.user = get_user_model()()
        return view_class(request=request, args=(), kwargs={}, format_kwarg=None, action=action)


class SetFieldsParameters(serializers.Serializer):
    fields = FieldValues(
        help_text="{field: value}: the values to set, as the record's API takes them; texts "
        "may be templates."
    )

    def validate_fields(self, values):
        if "organization" in values:
            raise serializers.ValidationError(
                _("A rule acts within its organization: it cannot move records.")
            )
        model = self.context["rule"].content_type.model_class()
        _writable(_StaticView.of(model, "partial_update"), values)
        return values


@register
class SetFields(Action):
    name = "set_fields"
    label = "Set fields on the record"
    description = "Changes fields of the record that triggered the rule, through its API."
    parameters = SetFieldsParameters

    def _serializer(self, context, parameters):
        record = context.existing_record("change")
        view = context.view(context.model, "partial_update", pk=record.pk)
        values = render_values(context, parameters["fields"])
        return view.get_serializer(record, data=values, partial=True), values

    def run(self, context, parameters):
        serializer, values = self._serializer(context, parameters)
        if not serializer.is_valid():
            raise ActionFailed(_errors(serializer.errors))
        serializer.save()
        return {"set": values}

    def simulate(self, context, parameters):
        serializer, values = self._serializer(context, parameters)
        if not serializer.is_valid():
            return {"would_fail": _errors(serializer.errors), "set": values}
        return {"would_set": values}


class CreateRecordParameters(serializers.Serializer):
    model = serializers.CharField(help_text='The model of the new record: "app_label.model".')
    fields = FieldValues(
        help_text="{field: value}: its values as the model's API takes them (the organization "
        "is the rule's); texts may be templates."
    )

    def validate(self, attrs):
        from django.apps import apps

        from .targets import watchable

        try:
            model = apps.get_model(attrs["model"])
        except (LookupError, ValueError):
            model = None
        if model is None or not watchable(model):
            raise serializers.ValidationError(
                {
                    "model": _("%(model)s is not a model rules can create records of.")
                    % {"model": attrs["model"]}
                }
            )
        _writable(
            _StaticView.of(model, "create"),
            {name: value for name, value in attrs["fields"].items() if name != "organization"},
        )
        attrs["model"] = model._meta.label_lower
        return attrs


@register
class CreateRecord(Action):
    name = "create_record"
    label = "Create a record"
    description = "Creates a record of any model with an API, in the rule's organization."
    parameters = CreateRecordParameters

    def _serializer(self, context, parameters):
        from django.apps import apps

        model = apps.get_model(parameters["model"])
        context.require(model, "add")
        values = render_values(context, parameters["fields"])
        values["organization"] = context.organization_id
        view = context.view(model, "create")
        return view.get_serializer(data=values), values

    def run(self, context, parameters):
        serializer, _values = self._serializer(context, parameters)
        if not serializer.is_valid():
            raise ActionFailed(_errors(serializer.errors))
        record = serializer.save()
        return {"created": {"model": parameters["model"], "id": record.pk}}

    def simulate(self, context, parameters):
        serializer, values = self._serializer(context, parameters)
        if not serializer.is_valid():
            return {"would_fail": _errors(serializer.errors)}
        return {"would_create": {"model": parameters["model"], "fields": values}}


class TransitionParameters(serializers.Serializer):
    transition = serializers.CharField(help_text="The name of a workflow transition of the model.")

    def validate_transition(self, name):
        model = self.context["rule"].content_type.model_class()
        names = workflows.transition_names(model)
        if name not in names:
            raise serializers.ValidationError(
                _("Not a transition of these records; transitions: %(names)s.")
                % {"names": ", ".join(names) or "none"}
            )
        return name


@register
class RunTransition(Action):
    name = "transition"
    label = "Run a workflow transition"
    description = "Moves the record along its workflow, as its owner would."
    parameters = TransitionParameters

    def run(self, context, parameters):
        record = context.existing_record("change")
        try:
            workflows.run_transition(
                record,
                parameters["transition"],
                user=context.owner,
                reason=str(_("Automation rule %(rule)s") % {"rule": context.rule.name}),
            )
        except Exception as exc:  # not allowed from this state, a condition, permissions
            detail = getattr(exc, "detail", None) or str(exc)
            raise ActionFailed(str(detail)) from exc
        return {"transition": parameters["transition"]}

    def simulate(self, context, parameters):
        if context.record is None:
            return {"would_fail": str(_("The record no longer exists."))}
        may = workflows.may_run(context.record, parameters["transition"], context.owner)
        failed = [
            str(each)
            for each in workflows.failed_conditions(context.record, parameters["transition"])
        ]
        if not may or failed:
            return {"would_fail": failed or ["not allowed"], "transition": parameters["transition"]}
        return {"would_run": parameters["transition"]}


class NotifyParameters(serializers.Serializer):
    users = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        max_length=100,
        help_text="Ids of users to notify (members of the rule's organization).",
    )
    roles = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        default=list,
        max_length=20,
        help_text="Names of roles: their members in the rule's organization are notified.",
    )
    record_creator = serializers.BooleanField(
        required=False, default=False, help_text="Notify whoever created the record."
    )
    title = template_field(help_text="The notification's title.")
    message = template_field(required=False, default="", allow_blank=True, help_text="Its text.")
    level = serializers.ChoiceField(
        choices=NotificationLevel.choices, required=False, default=NotificationLevel.INFO
    )

    def validate(self, attrs):
        if not (attrs["users"] or attrs["roles"] or attrs["record_creator"]):
            raise serializers.ValidationError(_("Name users, roles or the record's creator."))
        from django.contrib.auth.models import Group

        known = set(Group.objects.filter(name__in=attrs["roles"]).values_list("name", flat=True))
        unknown = sorted(set(attrs["roles"]) - known)
        if unknown:
            raise serializers.ValidationError(
                {"roles": _("Unknown roles: %(names)s.") % {"names": ", ".join(unknown)}}
            )
        return attrs


@register
class Notify(Action):
    name = "notify"
    label = "Send a notification"
    description = "Notifies users, the members of roles, or the record's creator."
    parameters = NotifyParameters
    changes_records = False

    def recipients(self, context, parameters) -> list[int]:
        from api.v1.base_models.organization.models import OrganizationMembership

        members = OrganizationMembership.objects.filter(
            organization_id=context.organization_id, is_active=True, user__is_active=True
        )
        ids = set(members.filter(user_id__in=parameters["users"]).values_list("user_id", flat=True))
        if parameters["roles"]:
            ids |= set(
                members.filter(role__name__in=parameters["roles"]).values_list("user_id", flat=True)
            )
        if parameters["record_creator"]:
            creator = (context.after or context.before or {}).get("created_by")
            if creator and members.filter(user_id=creator).exists():
                ids.add(creator)
        return sorted(ids)

    def run(self, context, parameters):
        from notifications.services import send_notification

        recipients = self.recipients(context, parameters)
        sent = send_notification(
            recipients,
            "automation.rule",
            context.render(parameters["title"])[:255],
            context.render(parameters["message"]),
            level=parameters["level"],
            target=context.record,
            organization=context.organization_id,
            email=True,
        )
        return {"notified": sorted(each.recipient_id for each in sent)}

    def simulate(self, context, parameters):
        return {
            "would_notify": self.recipients(context, parameters),
            "title": context.render(parameters["title"]),
        }


class CommentParameters(serializers.Serializer):
    content = template_field(help_text="The comment's text.")


@register
class AddComment(Action):
    name = "comment"
    label = "Add a comment"
    description = "Comments on the record, as the rule's owner."
    parameters = CommentParameters

    def _check(self, context):
        from api.v1.features.collaboration.models import Comment
        from core.registry import is_business_record

        if not is_business_record(context.model):
            raise ActionFailed(_("These records take no comments."))
        context.require(Comment, "add")
        context.existing_record("view")

    def run(self, context, parameters):
        from api.v1.features.collaboration.services import create_comment

        self._check(context)
        comment = create_comment(
            target=context.record,
            organization=context.rule.organization,
            content=context.render(parameters["content"]),
        )
        return {"comment": comment.pk}

    def simulate(self, context, parameters):
        self._check(context)
        return {"would_comment": context.render(parameters["content"])}


FORBIDDEN_HEADERS = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "idempotency-key",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "x-webhook-id",
    "x-webhook-timestamp",
    "x-webhook-signature",
}


class WebhookParameters(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="Where to send it (http or https).")
    method = serializers.ChoiceField(
        choices=["POST", "PUT", "PATCH", "DELETE", "GET"], required=False, default="POST"
    )
    headers = serializers.DictField(
        child=serializers.CharField(max_length=1000),
        required=False,
        default=dict,
        help_text="Headers to add (not the signature's, Host, Content-Length).",
    )
    body = template_field(
        required=False,
        default="",
        allow_blank=True,
        help_text="The request's body; empty: the event as JSON (rule, trigger, record, before, "
        "changes).",
    )
    content_type = serializers.CharField(required=False, default="application/json", max_length=100)

    def validate_url(self, url):
        from .webhooks import UnsafeWebhookURL, check_url

        try:
            check_url(url)
        except UnsafeWebhookURL as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return url

    def validate_headers(self, headers):
        if len(headers) > 20:
            raise serializers.ValidationError(_("At most 20 headers."))
        for name, value in headers.items():
            if (
                name.lower() in FORBIDDEN_HEADERS
                or not name.isascii()
                or not all(char.isalnum() or char in "-_" for char in name)
            ):
                raise serializers.ValidationError(
                    _("%(name)s cannot be set.") % {"name": name[:100]}
                )
            if any(char in value for char in "\r\n\x00"):
                raise serializers.ValidationError(
                    _("The value of %(name)s has a line break.") % {"name": name}
                )
        return headers


@register
class CallWebhook(Action):
    name = "webhook"
    label = "Call a webhook"
    description = (
        "Sends a signed HTTP request from a background task, retried with backoff while the "
        "receiver fails; every attempt carries the same idempotency key."
    )
    parameters = WebhookParameters
    changes_records = False

    def request(self, context, parameters) -> dict:
        import json

        from django.core.serializers.json import DjangoJSONEncoder

        if parameters["body"]:
            body = context.render(parameters["body"])
        else:
            body = json.dumps(
                {
                    "rule": {"id": context.rule.pk, "name": context.rule.name},
                    "trigger": context.rule.trigger,
                    "model": context.model._meta.label_lower,
                    "record": context.data(),
                    "before": context.readable(context.before) if context.before else None,
                    "changes": context.readable(context.changes),
                },
                cls=DjangoJSONEncoder,
            )
        return {
            "url": parameters["url"],
            "method": parameters["method"],
            "headers": {**parameters["headers"], "Content-Type": parameters["content_type"]},
            "body": body,
        }

    def run(self, context, parameters):
        from .tasks import deliver_webhook

        request = self.request(context, parameters)
        log, index = context.log, context.index
        context.deferred.append(lambda: deliver_webhook.delay(log.pk, index, request))
        return {"_status": "pending", "url": request["url"], "key": webhook_key(log.pk, index)}

    def simulate(self, context, parameters):
        request = self.request(context, parameters)
        return {"would_call": {**request, "body": request["body"][:2000]}}


def webhook_key(log_id: int, index: int) -> str:
    """The idempotency key (and webhook id) of a rule's webhook call: the same for every
    attempt of one call."""
    return f"automation-{log_id}-{index}"
