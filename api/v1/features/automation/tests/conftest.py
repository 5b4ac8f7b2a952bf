"""Fixtures of the automation tests: an administrator of organization A who writes
rules, and `committed`, under which changes' events are delivered as in production
(once the transaction commits; Celery runs its tasks at once in the tests)."""

import pytest
from django.contrib.auth.models import Group

from api.v1.features.products.tests.factories import ProductFactory
from tests.webhooks import WebhookReceiver

RULES_URL = "/api/v1/automations/rules/"
LOGS_URL = "/api/v1/automations/logs/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` what is written inside is committed when the block ends, its
    on-commit work (events, tasks) done."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def admin_a(member_of, org_a):
    return member_of(org_a, "Organization Administrator", username="admin_a")


@pytest.fixture
def admin_client(jwt_client, admin_a):
    return jwt_client(admin_a)


@pytest.fixture
def receiver(settings):
    """A webhook receiver on loopback, which rules may call."""
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["127.0.0.1"]
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def draft_product(org_a):
    return ProductFactory(organization=org_a, name="Gadget", status="draft")


@pytest.fixture
def manager_group(db):
    """A role "Manager" that may view products (notifications are only about records
    their recipient may view)."""
    from django.contrib.auth.models import Permission

    group = Group.objects.get_or_create(name="Manager")[0]
    group.permissions.add(Permission.objects.get(codename="view_product"))
    return group


def rule_payload(org, **fields) -> dict:
    payload = {
        "organization": org.pk,
        "name": "Activated products",
        "model": "products.product",
        "trigger": "transitioned",
        "conditions": [
            {"definition": {"field": "status", "op": "changed_from", "value": "draft"}},
            {"definition": {"field": "status", "op": "eq", "value": "active"}},
        ],
        "actions": [],
    }
    payload.update(fields)
    return payload
