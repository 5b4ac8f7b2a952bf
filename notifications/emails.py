"""Notification emails: rendered from NotificationTemplates (or the built-in templates
of notifications/templates/notifications/email/), sent through Django's email backend
by the Celery tasks of notifications.tasks.

Templates written by staff run in an engine of their own, with Django's built-in tags
and filters only and no template loader (`{% include %}` and `{% extends %}` have
nothing to reach), on a context of plain values (no model instance to walk from). A
template is compiled and test-rendered when it is saved (`template_errors`), so that a
broken one is refused then, not discovered when sending.
"""

import logging
import smtplib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import metrics

from .choices import EmailStatus
from .models import Notification, NotificationTemplate

logger = logging.getLogger(__name__)

# Errors worth trying again later: the mail server was unreachable or refused for now.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)

ENGINE = Engine(loaders=[], autoescape=True, debug=False)
TEMPLATE_FIELDS = ("subject", "body_text", "body_html")
# What a template may use, for the test render at save time.
SAMPLE_CONTEXT = {
    "recipient": {
        "username": "jdoe",
        "first_name": "Jane",
        "last_name": "Doe",
        "full_name": "Jane Doe",
        "email": "jane@example.com",
    },
    "notification": {
        "type": "comment_mention",
        "level": "INFO",
        "title": "Someone mentioned you",
        "message": "A message.",
        "action_url": "https://erp.example.com/",
        "action_text": "Open",
        "count": 1,
        "created_at": timezone.now(),
    },
    "organization": {"name": "Acme", "code": "ACME"},
    "actor": {"username": "jsmith", "full_name": "John Smith"},
}


def _compile(source: str, *, html: bool):
    # Subjects and text bodies are not HTML: nothing in them is escaped.
    return ENGINE.from_string(
        source if html else f"{{% autoescape off %}}{source}{{% endautoescape %}}"
    )


def template_errors(template: NotificationTemplate) -> dict[str, list[str]]:
    """{field: [what is wrong]} of a template's subject and bodies; empty when each
    compiles and renders."""
    errors = {}
    for name in TEMPLATE_FIELDS:
        source = getattr(template, name) or ""
        try:
            _compile(source, html=name == "body_html").render(Context(SAMPLE_CONTEXT))
        except TemplateSyntaxError as exc:
            errors[name] = [f"Template syntax error: {exc}"]
        except Exception as exc:  # a filter or tag that fails on the sample values
            errors[name] = [f"The template cannot be rendered: {exc}"]
    return errors


def template_for(type_code: str, organization_id, language: str):
    """The most specific active template of a type: the organization's before the
    one for every organization, the recipient's language ("de-ch", then "de") before
    the one for any language. None when there is none."""
    languages = [language, language.split("-")[0], ""] if language else [""]
    candidates = NotificationTemplate.objects.filter(
        Q(organization_id=organization_id) | Q(organization__isnull=True),
        type_code=type_code,
        is_active=True,
        language__in=languages,
    )

    def rank(template):
        return (template.organization_id is None, languages.index(template.language))

    return min(candidates, key=rank, default=None)


def context_of(notification: Notification) -> dict:
    recipient, actor, organization = (
        notification.recipient,
        notification.actor,
        notification.organization,
    )
    return {
        "recipient": {
            "username": recipient.get_username(),
            "first_name": recipient.first_name,
            "last_name": recipient.last_name,
            "full_name": recipient.get_full_name() or recipient.get_username(),
            "email": recipient.email,
        },
        "notification": {
            "type": notification.type_code,
            "level": notification.level,
            "title": notification.title,
            "message": notification.message,
            "action_url": absolute(notification.action_url),
            "action_text": notification.action_text,
            "count": notification.count,
            "created_at": notification.created_at,
        },
        "organization": (
            {"name": organization.name, "code": organization.code} if organization else None
        ),
        "actor": (
            {"username": actor.get_username(), "full_name": actor.get_full_name()}
            if actor
            else None
        ),
    }


def absolute(url: str) -> str:
    """An action URL as an email needs it: relative ones on SITE_URL."""
    if not url or urlsplit(url).scheme:
        return url
    return urljoin(settings.SITE_URL.rstrip("/") + "/", url.lstrip("/"))


@dataclass
class Rendered:
    subject: str
    text: str
    html: str | None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:255]


def render(notification: Notification, language: str) -> Rendered:
    """The email of a notification, in the recipient's language."""
    context = context_of(notification)
    with translation.override(language or settings.LANGUAGE_CODE):
        template = template_for(notification.type_code, notification.organization_id, language)
        if template is None:
            return Rendered(
                _one_line(render_to_string("notifications/email/subject.txt", context)),
                render_to_string("notifications/email/body.txt", context),
                render_to_string("notifications/email/body.html", context),
            )
        values = Context(context)
        return Rendered(
            _one_line(_compile(template.subject, html=False).render(values)),
            _compile(template.body_text, html=False).render(values),
            _compile(template.body_html, html=True).render(values) if template.body_html else None,
        )


def render_digest(user, notifications: list[Notification], language: str) -> Rendered:
    context = {
        "recipient": context_of(notifications[0])["recipient"],
        "notifications": [
            context_of(each)["notification"]
            | {"organization": each.organization.name if each.organization else ""}
            for each in notifications
        ],
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        return Rendered(
            _one_line(render_to_string("notifications/email/digest_subject.txt", context)),
            render_to_string("notifications/email/digest_body.txt", context),
            render_to_string("notifications/email/digest_body.html", context),
        )


def message(to: str, rendered: Rendered, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(rendered.subject, rendered.text, to=[to], connection=connection)
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    return email


def _language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or ""


def send(ids) -> dict[int, str]:
    """Send the emails of these notifications that are still unsent, over one
    connection; mark each sent. Returns {id: reason} of those that failed for now
    (left unsent, for a retry)."""
    rows = Notification.objects.filter(
        pk__in=list(ids), email_status=EmailStatus.UNSENT
    ).select_related("recipient__profile", "organization", "actor")
    failed = {}
    connection = get_connection()
    try:
        for row in rows:
            if not row.recipient.email or not row.recipient.is_active:
                _mark(row.pk, EmailStatus.SKIPPED)
                continue
            try:
                rendered = render(row, _language(row.recipient))
                message(row.recipient.email, rendered, connection).send()
            except TRANSIENT_ERRORS as exc:
                failed[row.pk] = f"{type(exc).__name__}: {exc}"
                continue
            _mark(row.pk, EmailStatus.SENT)
            metrics.NOTIFICATIONS_SENT.labels("email").inc()
    finally:
        try:
            connection.close()
        except TRANSIENT_ERRORS:
            logger.warning("Closing the mail connection failed", exc_info=True)
    return failed


def _mark(pk, status, error: str = "") -> None:
    Notification.objects.filter(pk=pk).update(
        email_status=status,
        email_error=error,
        emailed_at=timezone.now() if status == EmailStatus.SENT else None,
    )


def give_up(failed: dict[int, str]) -> None:
    """After the last retry: ERROR, with the reason, on each row that still failed."""
    for pk, reason in failed.items():
        _mark(pk, EmailStatus.ERROR, reason)


def send_digests(frequency: str) -> int:
    """One email per user whose digest is `frequency` (EmailDigest) and who has unsent
    notifications: the unread ones, oldest first; those read meanwhile are not sent.
    Returns the number of emails sent. A user whose email fails keeps their rows
    unsent, for the next digest."""
    from django.apps import apps

    from . import preferences

    pending = Notification.objects.filter(email_status=EmailStatus.UNSENT)
    UserProfile = apps.get_model("users", "UserProfile")
    chosen = UserProfile.objects.filter(
        user_id__in=pending.values("recipient_id"), user__is_active=True
    ).values_list("user_id", "notification_preferences")
    users = {pk for pk, choices in chosen if preferences.digest(choices) == frequency}
    rows = (
        pending.filter(recipient_id__in=users)
        .select_related("recipient__profile", "organization", "actor")
        .order_by("recipient_id", "created_at", "id")
    )
    by_user: dict[int, list[Notification]] = {}
    for row in rows:
        by_user.setdefault(row.recipient_id, []).append(row)
    sent = 0
    connection = get_connection()
    try:
        for user_rows in by_user.values():
            user = user_rows[0].recipient
            unread = [row for row in user_rows if row.read_at is None]
            skipped = [row.pk for row in user_rows if row.read_at is not None or not user.email]
            if skipped:
                Notification.objects.filter(pk__in=skipped).update(email_status=EmailStatus.SKIPPED)
            if not unread or not user.email:
                continue
            try:
                rendered = render_digest(user, unread, _language(user))
                message(user.email, rendered, connection).send()
            except TRANSIENT_ERRORS:
                logger.warning("The digest of user %s could not be sent", user.pk, exc_info=True)
                continue
            Notification.objects.filter(pk__in=[row.pk for row in unread]).update(
                email_status=EmailStatus.SENT, email_error="", emailed_at=timezone.now()
            )
            sent += 1
            metrics.NOTIFICATIONS_SENT.labels("email").inc(len(unread))
    finally:
        try:
            connection.close()
        except TRANSIENT_ERRORS:
            logger.warning("Closing the mail connection failed", exc_info=True)
    return sent
