"""Rules run on the changes they watch, exactly once, as their owner, within their
organization, and leave a log of what they did."""

import json

import pytest

from api.v1.features.automation.models import AutomationLog, AutomationRule
from api.v1.features.automation.webhooks import verify_standard
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from notifications.models import Notification

from ..conftest import LOGS_URL, RULES_URL, rule_payload

pytestmark = pytest.mark.django_db


def make_rule(client, org, **fields):
    response = client.post(RULES_URL, rule_payload(org, **fields), format="json")
    assert response.status_code == 201, response.content
    return AutomationRule.objects.get(pk=response.json()["id"])


def activate(client, product, committed):
    with committed():
        response = client.post(f"/api/v1/products/{product.pk}/activate/", {}, format="json")
    assert response.status_code == 200, response.content


def test_status_from_draft_to_active_notifies_and_calls_a_signed_webhook_once(
    admin_client, member, org_a, draft_product, manager_group, receiver, committed
):
    manager = member(org_a, manager_group)
    rule = make_rule(
        admin_client,
        org_a,
        actions=[
            {
                "action_type": "notify",
                "parameters": {"roles": ["Manager"], "title": "{{ record.name }} is active"},
            },
            {"action_type": "webhook", "parameters": {"url": f"{receiver.url}/hooks/erp"}},
        ],
    )
    activate(admin_client, draft_product, committed)

    [notification] = Notification.objects.filter(recipient=manager)
    assert notification.title == "Gadget is active"
    [request] = receiver.wait(1)
    assert request.path == "/hooks/erp"
    body = json.loads(request.body)
    assert body["record"]["id"] == draft_product.pk
    assert body["changes"]["status"] == {"old": "draft", "new": "active"}
    secret = admin_client.get(f"{RULES_URL}{rule.pk}/secret/").json()["secret"]
    assert secret.startswith("whsec_")
    assert verify_standard(secret, dict(request.headers.items()), request.body)
    [log] = AutomationLog.objects.filter(rule=rule)
    assert request.headers["Idempotency-Key"] == request.headers["webhook-id"]
    assert log.status == "succeeded"
    assert [each["status"] for each in log.action_logs] == ["succeeded", "succeeded"]
    assert log.action_logs[1]["response_code"] == 200

    # Other changes do not fire it.
    with committed():
        admin_client.patch(
            f"/api/v1/products/{draft_product.pk}/", {"name": "Gadget 2"}, format="json"
        )
    assert len(receiver.requests) == 1
    assert AutomationLog.objects.filter(rule=rule, matched=True).count() == 1


def test_a_failing_receiver_is_retried_with_the_same_key(
    admin_client, org_a, draft_product, receiver, committed, settings
):
    settings.AUTOMATION_WEBHOOK_RETRIES = 2
    receiver.status = 503
    rule = make_rule(
        admin_client,
        org_a,
        actions=[{"action_type": "webhook", "parameters": {"url": f"{receiver.url}/h"}}],
    )
    activate(admin_client, draft_product, committed)
    requests = receiver.wait(3)
    assert len({each.headers["Idempotency-Key"] for each in requests}) == 1
    [log] = AutomationLog.objects.filter(rule=rule)
    assert log.status == "failed"
    assert log.action_logs[0]["attempts"] == 3
    assert log.action_logs[0]["response_code"] == 503


def test_a_rule_of_one_organization_never_fires_on_another(
    admin_client, member_of, jwt_client, org_a, org_b, committed
):
    make_rule(
        admin_client,
        org_a,
        actions=[
            {"action_type": "set_fields", "parameters": {"fields": {"description": "touched"}}}
        ],
    )
    other = ProductFactory(organization=org_b, status="draft", description="theirs")
    activate(jwt_client(member_of(org_b, "Organization Administrator")), other, committed)
    other.refresh_from_db()
    assert other.description == "theirs"
    assert not AutomationLog.objects.exists()


def test_a_rule_whose_owner_lost_the_permission_changes_nothing(
    admin_client, admin_a, member_of, org_a, committed
):
    from django.contrib.auth.models import Group

    rule = make_rule(
        admin_client,
        org_a,
        trigger="updated",
        conditions=[{"definition": {"field": "name", "op": "changed", "value": True}}],
        actions=[
            {"action_type": "set_fields", "parameters": {"fields": {"description": "touched"}}}
        ],
    )
    member_of(org_a, "Organization Administrator")  # the organization keeps one
    membership = admin_a.organization_memberships.get(organization=org_a)
    membership.role = Group.objects.get(name="Organization Viewer")
    membership.save()
    product = ProductFactory(organization=org_a, description="as it was")
    with committed():
        product.name = "Renamed"
        product.save()
    product.refresh_from_db()
    assert product.description == "as it was"
    [log] = AutomationLog.objects.filter(rule=rule)
    assert log.status == "failed"
    assert log.action_logs[0]["status"] == "refused"
    assert "may not change" in log.action_logs[0]["error"]


def test_a_rule_updating_the_field_it_watches_does_not_loop(admin_client, org_a, committed):
    rule = make_rule(
        admin_client,
        org_a,
        trigger="updated",
        conditions=[{"definition": {"field": "description", "op": "changed", "value": True}}],
        actions=[
            {
                "action_type": "set_fields",
                "parameters": {"fields": {"description": "{{ record.description }}!"}},
            }
        ],
    )
    product = ProductFactory(organization=org_a, description="Hi")
    with committed():
        admin_client.patch(
            f"/api/v1/products/{product.pk}/", {"description": "Hello"}, format="json"
        )
    product.refresh_from_db()
    assert product.description == "Hello!"
    statuses = list(
        AutomationLog.objects.filter(rule=rule).order_by("pk").values_list("status", "depth")
    )
    assert statuses == [("succeeded", 0), ("skipped", 1)]


def test_conditions_before_values_and_percentages(admin_client, org_a, committed):
    from django.contrib.contenttypes.models import ContentType

    from core.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(Product), key="price", field_type="decimal"
    )
    rule = make_rule(
        admin_client,
        org_a,
        trigger="updated",
        conditions=[
            {"definition": {"field": "custom_fields__price", "op": "increased_by", "value": "10%"}},
            {"definition": {"field": "before.custom_fields__price", "op": "gte", "value": 10}},
        ],
        actions=[],
    )
    product = ProductFactory(organization=org_a, custom_fields={"price": "100.00"})
    for price in ("105.00", "120.00"):
        with committed():
            response = admin_client.patch(
                f"/api/v1/products/{product.pk}/",
                {"custom_fields": {"price": price}},
                format="json",
            )
        assert response.status_code == 200, response.content
    logs = AutomationLog.objects.filter(rule=rule).order_by("pk")
    assert [log.matched for log in logs] == [False, True]
    assert "increased_by" in logs[0].reason


def test_simulate_changes_and_calls_nothing(admin_client, org_a, draft_product, receiver):
    rule = make_rule(
        admin_client,
        org_a,
        actions=[
            {"action_type": "set_fields", "parameters": {"fields": {"description": "X"}}},
            {"action_type": "webhook", "parameters": {"url": f"{receiver.url}/h"}},
        ],
    )
    Product.objects.filter(pk=draft_product.pk).update(status="active")
    response = admin_client.post(
        f"{RULES_URL}{rule.pk}/simulate/",
        {"record": str(draft_product.pk), "before": {"status": "draft"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["matched"] is True
    assert body["actions"][0]["would"] == {"would_set": {"description": "X"}}
    assert body["actions"][1]["would"]["would_call"]["url"] == f"{receiver.url}/h"
    draft_product.refresh_from_db()
    assert draft_product.description != "X"
    assert receiver.requests == []
    assert not AutomationLog.objects.exists()

    # Without the before values, the change conditions do not hold.
    response = admin_client.post(
        f"{RULES_URL}{rule.pk}/simulate/", {"record": str(draft_product.pk)}, format="json"
    )
    assert response.json()["matched"] is False
    assert (
        admin_client.post(
            f"{RULES_URL}{rule.pk}/simulate/", {"record": "nope"}, format="json"
        ).status_code
        == 400
    )


def test_logs_are_listed_and_filtered(
    admin_client, jwt_client, member_of, org_a, org_b, draft_product, committed
):
    rule = make_rule(admin_client, org_a)
    activate(admin_client, draft_product, committed)
    body = admin_client.get(LOGS_URL, {"rule": rule.pk, "matched": "true"}).json()
    assert body["count"] == 1
    [log] = body["results"]
    assert (log["model"], log["object_id"], log["status"]) == (
        "products.product",
        str(draft_product.pk),
        "succeeded",
    )
    outsider = jwt_client(member_of(org_b, "Organization Administrator"))
    assert outsider.get(LOGS_URL).json()["count"] == 0
    assert outsider.get(f"{LOGS_URL}{log['id']}/").status_code == 404


def test_logs_past_their_retention_are_purged(admin_client, org_a, draft_product, committed):
    from datetime import timedelta

    from django.utils import timezone

    from api.v1.features.automation.tasks import purge_logs

    make_rule(admin_client, org_a)
    activate(admin_client, draft_product, committed)
    kept = AutomationLog.objects.get()
    old = AutomationLog.objects.create(
        organization=org_a,
        rule_name="Old",
        trigger="updated",
        content_type=kept.content_type,
        status="succeeded",
    )
    AutomationLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert purge_logs() == 1
    assert list(AutomationLog.objects.all()) == [kept]


def test_a_schedule_runs_at_its_times_in_the_organization_s_zone(admin_client, org_a):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from api.v1.features.automation.services import run_timed_rules

    org_a.timezone = "Europe/Paris"
    org_a.save()
    rule = make_rule(
        admin_client,
        org_a,
        trigger="schedule",
        schedule="0 9 * * *",
        conditions=[{"definition": {"field": "status", "op": "eq", "value": "draft"}}],
        actions=[{"action_type": "set_fields", "parameters": {"fields": {"description": "Due"}}}],
    )
    draft = ProductFactory(organization=org_a, status="draft", description="")
    active = ProductFactory(organization=org_a, status="active", description="")
    ProductFactory(status="draft", description="")  # another organization's
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 12, 7, 8, 30, tzinfo=paris)
    assert run_timed_rules(start) == 0  # the first run is the schedule's next moment
    rule.refresh_from_db()
    assert rule.next_run_at == datetime(2026, 12, 7, 9, 0, tzinfo=paris)
    assert run_timed_rules(start + timedelta(minutes=20)) == 0  # not yet
    assert run_timed_rules(start + timedelta(minutes=31)) == 1
    assert run_timed_rules(start + timedelta(minutes=32)) == 0  # once
    draft.refresh_from_db()
    active.refresh_from_db()
    assert (draft.description, active.description) == ("Due", "")
    assert Product.objects.filter(description="Due").count() == 1
    rule.refresh_from_db()
    assert rule.next_run_at == datetime(2026, 12, 8, 9, 0, tzinfo=paris)


def test_a_time_relative_to_a_date_of_the_record(admin_client, org_a):
    from datetime import timedelta

    from django.utils import timezone

    from api.v1.features.automation.services import run_timed_rules

    rule = make_rule(
        admin_client,
        org_a,
        trigger="relative_time",
        date_field="created_at",
        offset="+30d",
        conditions=[],
        actions=[{"action_type": "set_fields", "parameters": {"fields": {"description": "Old"}}}],
    )
    now = timezone.now()
    old = ProductFactory(organization=org_a, description="")
    young = ProductFactory(organization=org_a, description="")
    Product.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=30, minutes=1))
    Product.objects.filter(pk=young.pk).update(created_at=now - timedelta(days=29))
    AutomationRule.objects.filter(pk=rule.pk).update(last_run_at=now - timedelta(minutes=5))
    assert run_timed_rules(now) == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.description, young.description) == ("Old", "")
    # The next run looks only at what came due since.
    assert run_timed_rules(now + timedelta(minutes=1)) == 1
    assert AutomationLog.objects.filter(rule=rule).count() == 1


def test_deletions_and_creations(admin_client, org_a, committed):
    deleted = make_rule(
        admin_client,
        org_a,
        name="Deleted drafts",
        trigger="deleted",
        conditions=[{"definition": {"field": "status", "op": "eq", "value": "draft"}}],
        actions=[
            {
                "action_type": "create_record",
                "parameters": {
                    "model": "contact.contact",
                    "fields": {"first_name": "Deleted", "last_name": "{{ record.name }}"},
                },
            }
        ],
    )
    created = make_rule(admin_client, org_a, name="New", trigger="created", conditions=[])
    with committed():
        product = ProductFactory(organization=org_a, name="Doomed", status="draft")
    with committed():
        response = admin_client.delete(f"/api/v1/products/{product.pk}/")
    assert response.status_code == 204
    assert AutomationLog.objects.get(rule=created).status == "succeeded"
    log = AutomationLog.objects.get(rule=deleted)
    assert log.status == "succeeded", log.action_logs
    from api.v1.base_models.contact.models import Contact

    contact = Contact.objects.get(pk=log.action_logs[0]["output"]["created"]["id"])
    assert (contact.last_name, contact.organization_id) == ("Doomed", org_a.pk)


def test_a_rule_failing_again_and_again_is_disabled_and_its_owner_told(
    admin_client, admin_a, org_a, committed, settings
):
    settings.AUTOMATION_DISABLE_AFTER_FAILURES = 2
    rule = make_rule(
        admin_client,
        org_a,
        trigger="updated",
        conditions=[],
        actions=[{"action_type": "set_fields", "parameters": {"fields": {"sku": ""}}}],
    )
    product = ProductFactory(organization=org_a)
    for name in ("One", "Two", "Three"):
        with committed():
            admin_client.patch(f"/api/v1/products/{product.pk}/", {"name": name}, format="json")
    rule.refresh_from_db()
    assert rule.is_active is False
    assert "2 failed runs" in rule.disabled_reason
    assert AutomationLog.objects.filter(rule=rule).count() == 2  # not run once disabled
    assert Notification.objects.filter(recipient=admin_a, type_code="automation.rule_disabled")
    # Saved active again, it runs again.
    response = admin_client.patch(f"{RULES_URL}{rule.pk}/", {"is_active": True}, format="json")
    assert response.json()["disabled_reason"] == ""
    assert response.json()["consecutive_failures"] == 0


def test_conditions_that_no_longer_apply_fail_closed_and_are_logged(
    admin_client, org_a, committed, settings
):
    rule = make_rule(
        admin_client,
        org_a,
        trigger="updated",
        conditions=[{"definition": {"field": "description", "op": "changed", "value": True}}],
        actions=[{"action_type": "set_fields", "parameters": {"fields": {"name": "Touched"}}}],
    )
    # The deployment stops allowing the field in filters after the rule was saved.
    settings.ALLOWED_FILTER_FIELDS = {"products.product": ["name"]}
    product = ProductFactory(organization=org_a, name="Kept")
    with committed():
        admin_client.patch(f"/api/v1/products/{product.pk}/", {"description": "New"}, format="json")
    product.refresh_from_db()
    assert product.name == "Kept"
    [log] = AutomationLog.objects.filter(rule=rule)
    assert log.status == "failed"
    assert "no longer apply" in log.reason
    assert 'field "description" cannot be used' in log.reason
