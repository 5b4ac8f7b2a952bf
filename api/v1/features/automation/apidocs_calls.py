"""The automation rules' examples: the action types, a rule written with its
conditions and actions in one request, tried on a product (nothing changes), disabled,
its log read, an invalid rule refused, and the rule deleted. As the demo user, who
administers the demo organization."""

from .capture import Call

RULES = "/api/v1/automations/rules/"
RULE = f"{RULES}{{rule}}/"

RULE_BODY = {
    "organization": "{organization}",
    "name": "Tell the team when a product goes live",
    "description": "From draft to active: a comment on the product and a notification.",
    "model": "products.product",
    "trigger": "transitioned",
    "conditions": [
        {
            "definition": {"field": "status", "op": "changed_from", "value": "draft"},
            "description": "It was a draft",
        },
        {"definition": {"field": "status", "op": "eq", "value": "active"}},
    ],
    "actions": [
        {
            "action_type": "comment",
            "parameters": {"content": "{{ record.name }} is now active."},
        },
        {
            "action_type": "notify",
            "parameters": {
                "record_creator": True,
                "title": "{{ record.name }} went live",
                "message": "Its status changed from {{ before.status }} to {{ record.status }}.",
            },
        },
    ],
}

CALLS = [
    Call("List the action types rules may use", "GET", "/api/v1/automations/actions/"),
    Call(
        "Pick a product to try rules on",
        "GET",
        "/api/v1/products/",
        query={"page_size": 1, "ordering": "sku"},
        save={"auto_product": "text:results.0.id"},
    ),
    Call(
        "Create a rule with its conditions and actions",
        "POST",
        RULES,
        body=RULE_BODY,
        status=201,
        save={"rule": "id"},
    ),
    Call("List the rules", "GET", RULES, query={"model": "products.product"}),
    Call(
        "Try the rule on a product, as if it had been a draft (nothing changes)",
        "POST",
        f"{RULE}simulate/",
        body={"record": "{auto_product}", "before": {"status": "draft"}},
    ),
    Call(
        "Try an unsaved rule on a product",
        "POST",
        f"{RULES}simulate/",
        body={"rule": {**RULE_BODY, "name": "Draft idea"}, "record": "{auto_product}"},
    ),
    Call("Disable the rule", "PATCH", RULE, body={"is_active": False}),
    Call(
        "A condition on a field the list cannot filter on is refused",
        "POST",
        RULES,
        body={
            **RULE_BODY,
            "name": "Broken",
            "conditions": [{"definition": {"field": "secret", "op": "eq", "value": 1}}],
        },
        status=400,
    ),
    Call("Read what rules did", "GET", "/api/v1/automations/logs/", query={"matched": "true"}),
    Call("Delete the rule", "DELETE", RULE, status=204),
]
