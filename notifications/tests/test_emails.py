"""Notification emails: templates checked when saved, chosen by type, organization and
language; sent by a Celery task after the commit, retried, then marked ERROR; digests;
and the purge."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog
from notifications import emails, services
from notifications.choices import EmailStatus
from notifications.models import Notification, NotificationTemplate
from notifications.services import send_notification
from notifications.tasks import send_email_digests

from .factories import NotificationFactory, NotificationTemplateFactory

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/v1/notification-templates/"


@pytest.fixture
def mention(django_capture_on_commit_callbacks):
    """mention(recipient, **fields) -> the rows of a comment_mention, once committed."""

    def send(recipients, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return send_notification(
                recipients, "comment_mention", "Ann mentioned you", "Look at this.", **fields
            )

    return send


def choose(user, preferences):
    profile = UserProfile.objects.get(user=user)
    profile.notification_preferences = preferences
    profile.save()


# ------------------------------------------------------------------------- sending
def test_a_mention_is_emailed_once_committed_with_the_built_in_template(mention, org):
    user = UserFactory(email="jane@example.com", first_name="Jane", last_name="Doe")

    [row] = mention(user, organization=org, action_url="https://erp.example.com/c/1")

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["jane@example.com"]
    assert email.subject == f"[{org.name}] Ann mentioned you"
    assert "Hello Jane Doe," in email.body
    assert "Look at this." in email.body
    assert "https://erp.example.com/c/1" in email.body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert 'href="https://erp.example.com/c/1"' in html
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert row.emailed_at is not None


def test_a_relative_action_url_is_made_absolute_in_the_email(mention, settings):
    settings.SITE_URL = "https://erp.example.com/"

    mention(UserFactory(email="jane@example.com"), action_url="/api/v1/comments/7/")

    assert "https://erp.example.com/api/v1/comments/7/" in mail.outbox[0].body


def test_nothing_is_emailed_before_the_commit(org):
    user = UserFactory(email="jane@example.com")

    [row] = send_notification(user, "comment_mention", "Ann mentioned you")

    assert mail.outbox == []
    assert row.email_status == EmailStatus.UNSENT


def test_types_not_addressed_personally_are_not_emailed_by_default(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="jane@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        [row] = send_notification(user, "product_changed", "Price changed")

    assert mail.outbox == []
    assert row.email_status == EmailStatus.SKIPPED


def test_preferences_turn_emails_on_and_off(mention, django_capture_on_commit_callbacks):
    off, on = UserFactory(email="off@example.com"), UserFactory(email="on@example.com")
    choose(off, {"comment_mention": {"email": False}})
    choose(on, {"email": True})

    mention([off, on])
    with django_capture_on_commit_callbacks(execute=True):
        send_notification([off, on], "product_changed", "Price changed")

    assert sorted(email.to[0] for email in mail.outbox) == ["on@example.com", "on@example.com"]
    assert Notification.objects.filter(recipient=off, email_status=EmailStatus.SKIPPED).count() == 2


def test_a_user_without_an_address_is_skipped(mention):
    [row] = mention(UserFactory(email=""))

    assert mail.outbox == []
    assert row.email_status == EmailStatus.SKIPPED


def test_a_collapsed_repeat_is_not_emailed_again(mention, org, member):
    from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
    from api.v1.features.products.models import Product
    from api.v1.features.products.tests.factories import ProductFactory

    user = member(org, RoleFactory(permissions=model_permissions(Product, "view")))
    user.email = "jane@example.com"
    user.save()
    product = ProductFactory(organization=org)

    mention(user, target=product)
    [repeat] = mention(user, target=product)

    assert repeat.count == 2
    assert len(mail.outbox) == 1


def test_an_smtp_failure_is_retried_then_kept_as_error(mention, settings, retries_run_inline):
    # A real SMTP connection to a port where nothing listens: refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    settings.EMAIL_TIMEOUT = 2
    settings.NOTIFICATION_EMAIL_MAX_RETRIES = 2

    [row] = mention(UserFactory(email="jane@example.com"))

    row.refresh_from_db()
    assert row.email_status == EmailStatus.ERROR
    assert "Connection" in row.email_error or "refused" in row.email_error.lower()
    assert row.emailed_at is None
    assert Notification.objects.get(pk=row.pk).read_at is None  # nothing else changed


def test_the_email_retries_send_only_what_failed(monkeypatch, mention, retries_run_inline):
    sent_to = []
    calls = {"n": 0}
    real_send = emails.EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if self.to == ["flaky@example.com"] and calls["n"] <= 2:
            raise ConnectionResetError("the server went away")
        sent_to.append(self.to[0])
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(emails.EmailMultiAlternatives, "send", flaky)
    good, flaky_user = UserFactory(email="good@example.com"), UserFactory(email="flaky@example.com")

    rows = mention([good, flaky_user])

    assert sorted(sent_to) == ["flaky@example.com", "good@example.com"]
    assert {
        row.email_status for row in Notification.objects.filter(pk__in=[r.pk for r in rows])
    } == {EmailStatus.SENT}


# ----------------------------------------------------------------------- templates
def test_the_most_specific_template_is_used(mention, org, other_org):
    user = UserFactory(email="jane@example.com")
    UserProfile.objects.filter(user=user).update(language="fr")
    NotificationTemplateFactory(type_code="comment_mention", subject="everyone, any language")
    NotificationTemplateFactory(type_code="comment_mention", language="fr", subject="everyone, fr")
    NotificationTemplateFactory(
        type_code="comment_mention", organization=org, subject="{{ organization.name }}, any"
    )
    NotificationTemplateFactory(
        type_code="comment_mention", organization=other_org, language="fr", subject="other org"
    )
    NotificationTemplateFactory(
        type_code="comment_mention", organization=org, language="fr", subject="off", is_active=False
    )

    mention(user, organization=org)
    mention(user, organization=None)

    assert [email.subject for email in mail.outbox] == [f"{org.name}, any", "everyone, fr"]


def test_a_template_renders_the_notification_and_escapes_only_html(mention):
    NotificationTemplateFactory(
        type_code="comment_mention",
        subject="<{{ notification.title }}>",
        body_text="{{ recipient.username }}: {{ notification.message }} & more",
        body_html="<b>{{ notification.title }}</b>",
    )
    user = UserFactory(username="jane", email="jane@example.com")

    with_markup = "Ann <b>mentioned</b> you"
    from django.test.utils import CaptureQueriesContext  # noqa: F401  (kept local)

    [row] = mention(user)
    row.title = with_markup
    row.save()
    Notification.objects.filter(pk=row.pk).update(email_status=EmailStatus.UNSENT)
    mail.outbox.clear()
    emails.send([row.pk])

    email = mail.outbox[0]
    assert email.subject == f"<{with_markup}>"
    assert email.body == "jane: Look at this. & more"
    assert email.alternatives[0][0] == "<b>Ann &lt;b&gt;mentioned&lt;/b&gt; you</b>"


@pytest.mark.parametrize(
    ("field", "source", "error"),
    [
        ("subject", "{% if %}", "syntax"),
        ("body_text", "{{ notification.title|nosuchfilter }}", "syntax"),
        ("body_html", "{% include 'notifications/email/body.html' %}", "rendered"),
        ("body_text", "{% load nosuchlibrary %}", "syntax"),
        ("body_html", "{% for x in %}{% endfor %}", "syntax"),
    ],
)
def test_a_broken_template_is_refused_when_saved(field, source, error):
    template = NotificationTemplateFactory.build(type_code="comment_mention", **{field: source})

    with pytest.raises(ValidationError) as refused:
        template.save()

    assert field in refused.value.message_dict
    assert error in refused.value.message_dict[field][0].lower()
    assert not NotificationTemplate.objects.exists()


def test_the_api_refuses_a_broken_template_naming_the_field(superuser_client):
    body = {"type_code": "comment_mention", "subject": "Hi", "body_text": "{% if %}"}

    response = superuser_client.post(TEMPLATES, body, format="json")

    assert response.status_code == 400
    assert "body_text" in response.json()
    assert not NotificationTemplate.objects.exists()


def test_staff_manage_templates_through_the_api(superuser_client, org):
    body = {
        "type_code": "comment_mention",
        "organization": org.pk,
        "language": "fr",
        "subject": "{{ actor.full_name }} vous a mentionné",
        "body_text": "{{ notification.message }}",
    }

    created = superuser_client.post(TEMPLATES, body, format="json")
    duplicate = superuser_client.post(TEMPLATES, body, format="json")
    renamed = superuser_client.patch(
        f"{TEMPLATES}{created.json()['id']}/", {"subject": "{% bad"}, format="json"
    )

    assert created.status_code == 201, created.content
    assert duplicate.status_code == 400
    assert "type_code" in duplicate.json()
    assert renamed.status_code == 400
    assert NotificationTemplate.objects.get().subject == body["subject"]


@pytest.mark.parametrize(
    "body",
    [
        {"type_code": "Not a code", "subject": "x", "body_text": "x"},
        {"type_code": "x", "subject": "x", "body_text": "x", "language": "xx-nowhere"},
        {"type_code": "x", "subject": "x"},
    ],
)
def test_bad_templates_are_400(superuser_client, body):
    assert superuser_client.post(TEMPLATES, body, format="json").status_code == 400
    assert not NotificationTemplate.objects.exists()


def test_members_without_the_global_permission_may_not_touch_templates(auth_client):
    NotificationTemplateFactory()
    assert auth_client.get(TEMPLATES).status_code == 403
    body = {"type_code": "x", "subject": "x", "body_text": "x"}
    assert auth_client.post(TEMPLATES, body, format="json").status_code == 403


# ------------------------------------------------------------------------- digests
def test_a_daily_digest_gathers_the_unread_notifications(mention, org):
    user = UserFactory(email="jane@example.com")
    choose(user, {"email_digest": "daily"})
    first, second, read = (mention(user)[0] for _ in range(3))
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    Notification.objects.filter(pk=second.pk).update(title="Bob mentioned you")

    assert mail.outbox == []  # nothing at once
    assert send_email_digests("hourly") == {"frequency": "hourly", "sent": 0}
    assert send_email_digests("daily") == {"frequency": "daily", "sent": 1}

    [email] = mail.outbox
    assert email.subject == "2 new notifications"
    assert "Ann mentioned you" in email.body
    assert "Bob mentioned you" in email.body
    statuses = dict(Notification.objects.values_list("pk", "email_status"))
    assert statuses == {
        first.pk: EmailStatus.SENT,
        second.pk: EmailStatus.SENT,
        read.pk: EmailStatus.SKIPPED,
    }
    assert send_email_digests("daily")["sent"] == 0  # nothing twice


# --------------------------------------------------------------------------- purge
def test_the_purge_removes_what_is_past_its_retention(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 30
    settings.NOTIFICATION_UNREAD_RETENTION_DAYS = 100
    now = timezone.now()
    NotificationFactory(read_at=now - timedelta(days=31))
    recent_read = NotificationFactory(read_at=now - timedelta(days=29))
    old_unread = NotificationFactory()
    young_unread = NotificationFactory()
    Notification.objects.filter(pk=old_unread.pk).update(created_at=now - timedelta(days=101))
    Notification.objects.filter(pk=young_unread.pk).update(created_at=now - timedelta(days=99))
    audit_rows = AuditLog.objects.count()

    result = services.purge(batch_size=1)

    assert result["removed"] == 2
    assert set(Notification.objects.values_list("pk", flat=True)) == {
        recent_read.pk,
        young_unread.pk,
    }
    assert AuditLog.objects.count() == audit_rows
