"""The API contract (tests/contract.py) applied to /api/v1/automations/rules/."""

from itertools import count

from api.v1.features.automation.tests.factories import AutomationRuleFactory
from tests.contract import ScopedEndpointContract

serial = count(1)


class TestAutomationRuleAPI(ScopedEndpointContract):
    basename = "automation-rule"
    factory = AutomationRuleFactory
    update_payload = {"name": "Changed"}
    restricted_field = "description"

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "name": f"New rule {next(serial)}",
            "model": "products.product",
            "trigger": "updated",
            "trigger_fields": ["name"],
            "conditions": [{"definition": {"field": "name", "op": "changed", "value": True}}],
            "actions": [
                {"action_type": "set_fields", "parameters": {"fields": {"description": "x"}}}
            ],
        }

    def new_record(self, world, organization):
        n = next(serial)
        return AutomationRuleFactory(
            organization=organization, name=f"Name{n:05d}", description=f"About{n:05d}"
        )

    def search_term(self, record):
        return record.name

    def ordering_records(self, world):
        return [
            AutomationRuleFactory(organization=world.org_a, name=name, trigger=trigger)
            for name, trigger in (("b", "created"), ("a", "updated"), ("c", "deleted"))
        ]
