"""Rules are written in one request with their conditions and actions, checked as a
whole: anything a run could not do is a 400 naming where it is, at save."""

import pytest

from api.v1.features.automation.models import AutomationRule

from ..conftest import RULES_URL, rule_payload

pytestmark = pytest.mark.django_db


def test_a_rule_with_its_conditions_and_actions(admin_client, admin_a, org_a, manager_group):
    payload = rule_payload(
        org_a,
        actions=[
            {
                "action_type": "notify",
                "parameters": {"roles": ["Manager"], "title": "{{ record.name }} is active"},
            },
            {"action_type": "set_fields", "parameters": {"fields": {"description": "Live"}}},
        ],
    )
    response = admin_client.post(RULES_URL, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == admin_a.username
    assert body["model"] == "products.product"
    assert [each["definition"]["op"] for each in body["conditions"]] == ["changed_from", "eq"]
    assert [each["action_type"] for each in body["actions"]] == ["notify", "set_fields"]
    assert body["actions"][0]["parameters"]["level"] == "INFO"  # defaults filled in
    assert body["has_secret"] is False
    assert "secret" not in body

    # A list given replaces the rule's; one not given keeps it.
    rule = AutomationRule.objects.get(pk=body["id"])
    response = admin_client.patch(
        f"{RULES_URL}{rule.pk}/", {"conditions": [], "name": "Renamed"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert rule.conditions.count() == 0
    assert rule.actions.count() == 2


@pytest.mark.parametrize(
    ("changes", "where", "says"),
    [
        ({"model": "audit.auditlog"}, "model", "not a model rules can watch"),
        ({"model": "nope"}, "model", "not a model rules can watch"),
        (
            {"conditions": [{"definition": {"field": "secret_sauce", "op": "eq", "value": 1}}]},
            "conditions",
            'field "secret_sauce" cannot be used',
        ),
        (
            {"conditions": [{"definition": {"field": "price", "op": "gt", "value": "cheap"}}]},
            "conditions",
            "conditions[0]",
        ),
        (
            {
                "conditions": [
                    {"definition": {"or": [{"field": "status", "op": "zap", "value": 1}]}}
                ]
            },
            "conditions",
            "conditions[0].or[0]",
        ),
        (
            {
                "trigger": "created",
                "conditions": [
                    {"definition": {"field": "before.status", "op": "eq", "value": "x"}}
                ],
            },
            "conditions",
            "only updates, deletions and transitions",
        ),
        (
            {"conditions": [{"definition": {"field": "name", "op": "increased_by", "value": 1}}]},
            "conditions",
            "number field",
        ),
        ({"trigger": "schedule", "schedule": "every day please"}, "schedule", ""),
        ({"trigger": "schedule", "schedule": "61 * * * *"}, "schedule", "minute"),
        ({"trigger": "relative_time", "date_field": "name", "offset": "-3d"}, "date_field", ""),
        ({"trigger": "relative_time", "date_field": "created_at", "offset": "soon"}, "offset", ""),
        ({"trigger": "updated", "trigger_fields": ["nope"]}, "trigger_fields", "nope"),
        (
            {"actions": [{"action_type": "webhook", "parameters": {"url": "http://127.0.0.1/x"}}]},
            "actions",
            "",
        ),
        (
            {
                "actions": [
                    {"action_type": "webhook", "parameters": {"url": "http://169.254.169.254/"}}
                ]
            },
            "actions",
            "",
        ),
        (
            {"actions": [{"action_type": "set_fields", "parameters": {"fields": {"sku_x": 1}}}]},
            "actions",
            "sku_x",
        ),
        (
            {"actions": [{"action_type": "notify", "parameters": {"title": "{% if %}"}}]},
            "actions",
            "",
        ),
        ({"actions": [{"action_type": "launch_missiles"}]}, "actions", ""),
        (
            {
                "actions": [
                    {"action_type": "set_fields", "parameters": {"fields": {"organization": 2}}}
                ]
            },
            "actions",
            "cannot move records",
        ),
        (
            {"actions": [{"action_type": "transition", "parameters": {"transition": "fly"}}]},
            "actions",
            "activate",
        ),
    ],
)
def test_invalid_rules_are_refused_at_save(admin_client, org_a, changes, where, says):
    response = admin_client.post(RULES_URL, rule_payload(org_a, **changes), format="json")
    assert response.status_code == 400, response.content
    assert where in response.json()
    assert says in str(response.json()[where])
    assert not AutomationRule.objects.exists()


def test_members_may_not_write_rules_and_others_do_not_see_them(
    jwt_client, member_of, admin_client, org_a, org_b
):
    rule = admin_client.post(RULES_URL, rule_payload(org_a), format="json").json()
    member = jwt_client(member_of(org_a, "Organization Member"))
    assert (
        member.post(RULES_URL, rule_payload(org_a, name="Mine"), format="json").status_code == 403
    )
    assert member.get(RULES_URL).json()["count"] == 0
    outsider = jwt_client(member_of(org_b, "Organization Administrator"))
    assert outsider.get(f"{RULES_URL}{rule['id']}/").status_code == 404
    assert outsider.post(RULES_URL, rule_payload(org_a, name="X"), format="json").status_code in (
        400,
        403,
    )


def test_the_action_types_and_their_parameters(admin_client):
    response = admin_client.get("/api/v1/automations/actions/")
    assert response.status_code == 200
    kinds = {each["name"]: each for each in response.json()}
    assert set(kinds) == {
        "set_fields",
        "create_record",
        "transition",
        "notify",
        "comment",
        "webhook",
    }
    webhook = kinds["webhook"]["parameters"]
    assert webhook["required"] == ["url"]
    assert webhook["properties"]["method"]["enum"] == ["POST", "PUT", "PATCH", "DELETE", "GET"]


def test_the_webhook_secret_is_read_by_those_who_may_change_the_rule(
    admin_client, jwt_client, member_of, org_a, settings
):
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["127.0.0.1"]
    payload = rule_payload(
        org_a,
        actions=[{"action_type": "webhook", "parameters": {"url": "http://127.0.0.1:9/hook"}}],
    )
    rule = admin_client.post(RULES_URL, payload, format="json").json()
    assert rule["has_secret"] is True
    url = f"{RULES_URL}{rule['id']}/secret/"
    assert admin_client.get(url).json()["secret"].startswith("whsec_")
    auditor = jwt_client(member_of(org_a, "Organization Auditor"))
    assert auditor.get(f"{RULES_URL}{rule['id']}/").status_code == 200
    assert auditor.get(url).status_code == 403


def test_a_field_hidden_from_the_role_is_neither_tested_nor_shown(
    admin_client, admin_a, org_a, committed
):
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from api.v1.features.automation.models import AutomationLog
    from api.v1.features.products.models import Product
    from api.v1.features.products.tests.factories import ProductFactory
    from rbac.models import FieldPermission

    FieldPermission.objects.create(
        role=Group.objects.get(name="Organization Administrator"),
        content_type=ContentType.objects.get_for_model(Product),
        field_name="description",
        can_read=False,
        can_write=False,
    )
    hidden = {"definition": {"field": "before.description", "op": "eq", "value": "x"}}
    response = admin_client.post(
        RULES_URL, rule_payload(org_a, trigger="updated", conditions=[hidden]), format="json"
    )
    assert response.status_code == 400
    assert "may not read description" in str(response.json()["conditions"])

    payload = rule_payload(
        org_a,
        trigger="updated",
        conditions=[],
        actions=[
            {
                "action_type": "notify",
                "parameters": {
                    "users": [admin_a.pk],
                    "title": "[{{ before.description }}][{{ changes.description }}]",
                },
            }
        ],
    )
    rule = admin_client.post(RULES_URL, payload, format="json").json()
    product = ProductFactory(organization=org_a, description="secret plan")
    with committed():
        product.description = "new secret"
        product.name = "Renamed"
        product.save()
    log = AutomationLog.objects.get(rule_id=rule["id"])
    assert log.status == "succeeded", log.action_logs
    from notifications.models import Notification

    assert Notification.objects.get(recipient=admin_a).title == "[][]"
