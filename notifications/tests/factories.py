import factory
from factory.django import DjangoModelFactory

from api.v1.base_models.user.tests.factories import UserFactory
from notifications.choices import NotificationLevel
from notifications.models import Notification, NotificationTemplate


class NotificationFactory(DjangoModelFactory):
    """A notification as send_notification writes it (no record checks: tests that need
    them call the service)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    type_code = "product_changed"
    level = NotificationLevel.INFO
    title = factory.Sequence(lambda n: f"Something happened ({n})")
    message = "Details of what happened."


class NotificationTemplateFactory(DjangoModelFactory):
    class Meta:
        model = NotificationTemplate

    type_code = factory.Sequence(lambda n: f"event_{n}")
    subject = "{{ notification.title }}"
    body_text = "Hello {{ recipient.full_name }}, {{ notification.message }}"
    body_html = "<p>Hello {{ recipient.full_name }}</p><p>{{ notification.message }}</p>"
