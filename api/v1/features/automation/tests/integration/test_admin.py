"""The Admin of rules (enabled and disabled there, their conditions and actions shown)
and of their logs (read-only), scoped to the staff member's organizations."""

import pytest
from django.urls import reverse

from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.automation.models import AutomationLog, RuleCondition
from api.v1.features.automation.services import watched
from api.v1.features.automation.tests.factories import AutomationRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_site(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_rule_s_page_shows_its_conditions_and_it_is_disabled_there(superuser_site, org_a):
    rule = AutomationRuleFactory(organization=org_a)
    RuleCondition.objects.create(
        rule=rule, definition={"field": "name", "op": "changed", "value": True}
    )
    assert ("products.product", "updated", org_a.pk) in watched()
    page = superuser_site.get(reverse("admin:automation_automationrule_change", args=[rule.pk]))
    assert page.status_code == 200
    assert "changed" in page.content.decode()
    assert superuser_site.get(reverse("admin:automation_automationrule_add")).status_code == 403

    data = {
        "name": rule.name,
        "description": "",
        "is_active": "",
        "conditions-TOTAL_FORMS": "1",
        "conditions-INITIAL_FORMS": "1",
        "conditions-MIN_NUM_FORMS": "0",
        "conditions-MAX_NUM_FORMS": "1000",
        "conditions-0-id": rule.conditions.get().pk,
        "conditions-0-rule": rule.pk,
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "1000",
    }
    response = superuser_site.post(
        reverse("admin:automation_automationrule_change", args=[rule.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.is_active is False
    assert ("products.product", "updated", org_a.pk) not in watched()


def test_logs_are_read_only_and_scoped(client, member, org_a, org_b):
    from django.contrib.auth.models import Group

    staff = member(
        org_a, Group.objects.get(name="Organization Administrator"), user=UserFactory(is_staff=True)
    )
    client.force_login(staff)
    rule = AutomationRuleFactory(organization=org_a)
    own = AutomationLog.objects.create(
        organization=org_a,
        rule=rule,
        rule_name=rule.name,
        trigger="updated",
        content_type=rule.content_type,
        status="succeeded",
    )
    AutomationLog.objects.create(
        organization=org_b,
        rule_name="Theirs",
        trigger="updated",
        content_type=rule.content_type,
        status="failed",
    )
    response = client.get(reverse("admin:automation_automationlog_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]
    page = client.get(reverse("admin:automation_automationlog_change", args=[own.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()  # shown, not editable
    change = reverse("admin:automation_automationlog_change", args=[own.pk])
    assert client.post(change, {"status": "failed"}).status_code == 403
    own.refresh_from_db()
    assert own.status == "succeeded"
