"""Automation rules: what active rules cost the writes they watch, and how many rule
evaluations a worker makes per second.

Runs on a fresh SQLite file (WAL, as the embedded default), or with DATABASE_URL set
on a test database created on that server (`test_<name>`) and dropped afterwards.
Celery tasks are queued as in production (not run eagerly), on Celery's in-memory
broker (`memory://`), which keeps the messages and runs nothing: a task runs here only
when the benchmark calls it. The rules are made through the API (POST
/api/v1/automations/rules/) by an organization administrator (of every organization
here), who owns them; each watches updates of products.

Overhead on a write: PATCH /api/v1/products/{id}/ (a new name; JWT, as that
administrator) of one product of an organization, with (a) no active rule anywhere,
(b) --rules active rules of that organization, each with two conditions (the name
changed; the status is "active", which does not hold: the product is a draft) and a
set_fields action, and (c) as many such rules of another organization only (the
product's has none). The rules are only queued: one `evaluate_change` task per change
however many rules watch it, for the worker; none is evaluated in the request. The
cases take turns (a, b, c, a, b, c...) after 5 untimed rounds; before each request the
rules of its case are switched on and the others off (a queryset update) and the cache
of what rules watch is refilled, outside the timings. Prints the median of each case,
its ratio to (a), the SQL queries of one request, the `evaluate_change` tasks queued,
and the goal next to them: (b) under 1.2x (a), (c) about 1.0x.

Evaluations in a worker: `evaluate_change` (automation.tasks) called directly, as a
worker runs it, on --changes changes of products in four organizations: 1 rule and
--rules rules whose two conditions hold (the name changed; the status is "draft"),
with no action ("conditions only": the rules' query, the conditions, the log) and with
a set_fields action ("conditions + set_fields": a static description, another per
rule, set through the product's API serializer as the rule's owner: a real change,
audited, whose own `evaluate_change` is queued, not run). Each change is of a product
of its own (made with `bulk_create`), the payload triggers.on_model_event queues (the
record's snapshots before and after, its name changed) after a JSON round trip. The
four cases take turns per change, after 2 untimed changes. Prints the median time of a
change, that per evaluation (rule x change), the evaluations per second it makes
(rules / median), and the SQL queries of one change.

Nothing is asserted about the timings (the responses and the logs are checked): figures
and ratios from one run. Absolute times depend on the machine and its load; the ratios
of interleaved runs are what to compare across changes.

    .venv/bin/python bench/automation.py [--updates 200] [--changes 20] [--rules 50]
"""

import logging
import statistics
import time
from collections import Counter

import common

ARGS = common.start(
    __doc__,
    [
        ("--updates", {"type": int, "default": 200, "help": "timed PATCH requests per case"}),
        ("--changes", {"type": int, "default": 20, "help": "changes evaluated per case"}),
        ("--rules", {"type": int, "default": 50, "help": "active rules of the many-rule cases"}),
    ],
)

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.transport import memory
from kombu.utils.json import dumps, loads
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.features.automation.models import AutomationLog, AutomationRule
from api.v1.features.automation.services import forget_watched, snapshot, watched
from api.v1.features.automation.tasks import evaluate_change
from api.v1.features.products.models import Product
from config.celery import app
from rbac.roles import ROLE_NAMES

RULES_URL = "/api/v1/automations/rules/"
LABEL = "products.product"
TASK = evaluate_change.name
WARM_UP = 5  # untimed requests per case before the timed ones
WARM_UP_CHANGES = 2  # untimed changes per case before the timed ones
GOAL = 1.2  # (b) / (a)
NO_RULES = "(a) no rules"

# The broker's default host, which the in-memory transport does not use, says nothing here.
logging.getLogger("kombu.connection").setLevel(logging.ERROR)

# Queued as in production, on a broker that only keeps the messages: nothing runs them.
app.conf.task_always_eager = False
app.conf.broker_url = "memory://"


# The data ------------------------------------------------------------------------------------


def administrator():
    """The organization administrator who writes the rules (their owner) and the products,
    and a client with their JWT."""
    user = get_user_model().objects.create_user("automation-admin")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return user, client


def organization(user, code: str, name: str) -> Organization:
    """A new organization, `user` its administrator."""
    created = Organization.objects.create(name=name, code=code, organization_type_id="Company")
    OrganizationMembership.objects.create(
        user=user,
        organization=created,
        role=Group.objects.get(name=ROLE_NAMES["administrator"]),
    )
    return created


def make_rules(client, organization, count: int, status: str, set_fields: bool) -> None:
    """`count` rules of `organization` on product updates: the name changed and the status
    is `status`; with a set_fields action of a static description, or none."""
    for i in range(count):
        actions = []
        if set_fields:
            actions = [
                {
                    "action_type": "set_fields",
                    "parameters": {"fields": {"description": f"Checked by rule {i}"}},
                }
            ]
        response = client.post(
            RULES_URL,
            {
                "organization": organization.pk,
                "name": f"Rule {i:03}",
                "model": LABEL,
                "trigger": "updated",
                "conditions": [
                    {"definition": {"field": "name", "op": "changed", "value": True}},
                    {"definition": {"field": "status", "op": "eq", "value": status}},
                ],
                "actions": actions,
            },
            format="json",
        )
        assert response.status_code == 201, response.content


def analyze() -> None:
    """Statistics of the tables just filled, as autovacuum keeps them on a live server."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def queued() -> Counter:
    """The tasks queued on the in-memory broker since the last call, by name (taken off
    the broker)."""
    found = Counter()
    for queue in memory.Channel.queues.values():
        while not queue.empty():
            found[queue.get_nowait()["headers"]["task"]] += 1
    return found


# Overhead on a write ---------------------------------------------------------------------------


def overhead(user, client) -> None:
    own = organization(user, "AUTO-A", "Automation bench")
    other = organization(user, "AUTO-B", "Other organization")
    product = Product.objects.create(
        organization=own, name="Gadget", sku="GADGET", base_uom_id="EA"
    )
    make_rules(client, own, ARGS.rules, "active", set_fields=True)
    make_rules(client, other, ARGS.rules, "active", set_fields=True)
    analyze()
    # case: the organizations whose rules are active
    cases = {
        NO_RULES: [],
        f"(b) {ARGS.rules} rules of the organization": [own.pk],
        f"(c) {ARGS.rules} rules of another organization": [other.pk],
    }
    url = f"/api/v1/products/{product.pk}/"
    samples = {case: [] for case in cases}
    tasks = Counter()
    queries = {}
    queued()
    for round_ in range(-WARM_UP, ARGS.updates + 1):
        for number, (case, organizations) in enumerate(cases.items()):
            switch_on(organizations)
            body = {"name": f"Gadget {round_} {number}"}
            if round_ == ARGS.updates:  # one more, its queries counted
                with CaptureQueriesContext(connection) as captured:
                    response = client.patch(url, body, format="json")
                queries[case] = len(captured)
            else:
                start = time.perf_counter()
                response = client.patch(url, body, format="json")
                elapsed = time.perf_counter() - start
                if round_ >= 0:
                    samples[case].append(elapsed)
            assert response.status_code == 200, response.content
            tasks[case] += queued()[TASK]
    assert not AutomationLog.objects.exists()  # queued, never evaluated
    switch_on([])

    medians = {case: statistics.median(found) * 1000 for case, found in samples.items()}
    ratios = {case: median / medians[NO_RULES] for case, median in medians.items()}
    print(
        f"\nPATCH {url} (a new name) as an organization administrator: {ARGS.updates} "
        "per case, interleaved; each rule with 2 conditions and a set_fields action"
    )
    print(f"{'case':<46} {'median':>9} {'ratio':>6} {'queries':>8} {'queued':>7}")
    for case, median in medians.items():
        print(
            f"{case:<46} {median:>7.2f}ms {ratios[case]:>5.2f}x {queries[case]:>8} {tasks[case]:>7}"
        )
    own_ratio, other_ratio = list(ratios.values())[1:]
    print(
        f"queued: the evaluate_change tasks of the {WARM_UP + ARGS.updates + 1} requests of "
        "each case (warm-up and counted ones included), none run"
    )
    print(f"goal: (b) under {GOAL}x (a): {own_ratio:.2f}x; (c) about 1.0x: {other_ratio:.2f}x")


def switch_on(organization_ids: list[int]) -> None:
    """Only the rules of these organizations active; the watched rules' cache refilled."""
    AutomationRule.objects.filter(organization_id__in=organization_ids).update(is_active=True)
    AutomationRule.objects.exclude(organization_id__in=organization_ids).update(is_active=False)
    forget_watched()
    watched()


# Evaluations in a worker -----------------------------------------------------------------------


def changes_of(organization, count: int) -> list[dict]:
    """`count` products of `organization`, and a change of each (its name), as the task
    receives it: the payload triggers.on_model_event queues, through JSON."""
    products = Product.objects.bulk_create(
        Product(
            organization=organization,
            name=f"Gadget {i}",
            sku=f"G-{i:06d}",
            base_uom_id="EA",
        )
        for i in range(count)
    )
    changes = []
    for product in Product.objects.filter(pk__in=[each.pk for each in products]).order_by("pk"):
        after = snapshot(product)
        before = {**after, "name": f"{product.name} (old)"}
        change = {
            "trigger": "updated",
            "object_id": str(product.pk),
            "before": before,
            "after": after,
            "changes": {"name": {"old": before["name"], "new": after["name"]}},
            "request_id": "",
        }
        changes.append(loads(dumps(change)))
    return changes


def evaluations(user, client) -> None:
    total = WARM_UP_CHANGES + ARGS.changes + 1  # the last one's queries counted
    cases = {}  # (rules, what they do): (their organization, its changes)
    for number, (rules, set_fields) in enumerate(
        [(1, False), (ARGS.rules, False), (1, True), (ARGS.rules, True)]
    ):
        org = organization(user, f"AUTO-E{number}", f"Evaluations {number}")
        make_rules(client, org, rules, "draft", set_fields=set_fields)
        does = "conditions + set_fields" if set_fields else "conditions only"
        cases[(rules, does)] = (org, changes_of(org, total))
    analyze()
    queued()
    samples = {case: [] for case in cases}
    queries = {}
    for index in range(total):
        for case, (org, changes) in cases.items():
            arguments = (LABEL, "updated", org.pk, changes[index], [])
            if index == total - 1:
                with CaptureQueriesContext(connection) as captured:
                    evaluated = evaluate_change(*arguments)
                queries[case] = len(captured)
            else:
                start = time.perf_counter()
                evaluated = evaluate_change(*arguments)
                elapsed = time.perf_counter() - start
                if index >= WARM_UP_CHANGES:
                    samples[case].append(elapsed)
            assert evaluated == case[0], (case, evaluated)
    statuses = Counter(AutomationLog.objects.values_list("status", flat=True))
    assert set(statuses) == {"succeeded"}, statuses  # every condition held, every action ran
    follow_ups = queued()[TASK]

    print(
        f"\nevaluate_change called as a worker runs it: {ARGS.changes} changes of products "
        "per case (a new name), interleaved; each rule with 2 conditions that hold"
    )
    print(
        f"{'rules':>5}  {'':<23} {'per change':>11} {'per evaluation':>15} "
        f"{'evaluations/s':>14} {'queries':>8}"
    )
    for (rules, does), found in samples.items():
        median = statistics.median(found)
        print(
            f"{rules:>5}  {does:<23} {median * 1000:>9.2f}ms {median * 1000 / rules:>13.3f}ms "
            f"{rules / median:>14.0f} {queries[(rules, does)]:>8}"
        )
    print(
        f"evaluations: {statuses['succeeded']:,}, all succeeded (logged); the set_fields "
        f"changes queued {follow_ups:,} evaluate_change tasks of their own, none run"
    )


def main() -> None:
    with common.database() as name:
        user, client = administrator()
        print(f"{connection.vendor} (database {name}), Celery broker {app.conf.broker_url}")
        overhead(user, client)
        evaluations(user, client)


if __name__ == "__main__":
    main()
