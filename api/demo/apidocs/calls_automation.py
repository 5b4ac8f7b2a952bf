"""The automation rules' examples: the action types, a rule written with its
conditions and actions in one request, read, replaced, tried on a product (nothing
changes), disabled; an invalid rule refused; a rule on description changes, run by a
change of a product (put back after) and read in the logs; both rules deleted. As the
demo user, who administers the demo organization. The Postman collection, run against
a served system whose worker takes its time, leaves out the reads of the log."""

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
        save={
            "auto_product": "text:results.0.id",
            "auto_product_id": "results.0.id",
            "auto_product_description": "results.0.description",
        },
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
    Call("Read a rule", "GET", RULE),
    Call(
        "Replace a rule (its conditions and actions too)",
        "PUT",
        RULE,
        body={**RULE_BODY, "conditions": RULE_BODY["conditions"][1:]},
    ),
    Call("Read a rule's history", "GET", f"{RULE}history/"),
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
    Call(
        "Read the secret the rule's webhooks are signed with (none: it calls no webhook)",
        "GET",
        f"{RULE}secret/",
    ),
    Call(
        "A rule on description changes (conditions only: its runs are logged)",
        "POST",
        RULES,
        body={
            "organization": "{organization}",
            "name": "Description changes",
            "model": "products.product",
            "trigger": "updated",
            "trigger_fields": ["description"],
            "conditions": [
                {"definition": {"field": "description", "op": "changed", "value": True}}
            ],
        },
        status=201,
        save={"logged_rule": "id"},
    ),
    Call(
        "Change a product's description (the rule runs in the background)",
        "PATCH",
        "/api/v1/products/{auto_product_id}/",
        body={"description": "Changed to show the automation log."},
    ),
    Call(
        "Read what rules did",
        "GET",
        "/api/v1/automations/logs/",
        query={"matched": "true"},
        save={"automation_log": "results.0.id"},
        in_postman=False,  # a served system's worker may not have run the rule yet
    ),
    Call(
        "Read one run of a rule",
        "GET",
        "/api/v1/automations/logs/{automation_log}/",
        in_postman=False,
    ),
    Call(
        "Put the description back",
        "PATCH",
        "/api/v1/products/{auto_product_id}/",
        body={"description": "{auto_product_description}"},
    ),
    Call("Delete a rule", "DELETE", RULE, status=204),
    Call("Delete the other rule", "DELETE", f"{RULES}{{logged_rule}}/", status=204),
]
