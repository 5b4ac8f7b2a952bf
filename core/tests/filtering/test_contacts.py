"""`?filter=` on /api/v1/contacts/, over HTTP: operators, nesting, multi-valued paths,
custom fields, errors, field-level permissions and query counts."""

import datetime
import json
from urllib.parse import quote

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactEmailAddressFactory, ContactFactory
from api.v1.base_models.organization.tests.factories import OrganizationFactory, RoleFactory
from api.v1.base_models.user.tests.factories import UserFactory
from core.models import CustomFieldDefinition
from rbac.models import FieldPermission

from .helpers import cond, filter_error, get_filtered, listed, listed_set

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/"


def define(key, field_type, organization=None, **extra):
    return CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(Contact),
        organization=organization,
        key=key,
        field_type=field_type,
        **extra,
    )


@pytest.fixture
def world(org_a, org_b, member, jwt_client):
    define("shoe_size", "integer")
    define("budget", "decimal")
    define("since", "date")
    define("newsletter", "boolean")
    define("tier", "choice", choices=["gold", "silver"])
    role = RoleFactory(permissions=["contact.view_contact"])
    user = member(org_a, role=role)
    labs = OrganizationFactory(parent=org_a, name="Acme Labs")
    ada = ContactFactory(
        organization=org_a,
        first_name="Ada",
        last_name="Lovelace",
        status="active",
        linked_organization=labs,
        notes="Classified engine plans",
        tags=["vip", "engine"],
        custom_fields={
            "shoe_size": 38,
            "budget": "9.50",
            "since": "2020-05-01",
            "newsletter": True,
            "tier": "gold",
            "nickname": "Countess",
            "score": 7,
        },
    )
    ContactEmailAddressFactory(contact=ada, email="ada@acme.example")
    ContactEmailAddressFactory(contact=ada, email="countess@acme.example")
    grace = ContactFactory(
        organization=org_a,
        first_name="Grace",
        last_name="Hopper",
        status="inactive",
        tags=["vip"],
        custom_fields={
            "shoe_size": 41,
            "budget": "10.25",
            "since": "2019-01-01",
            "newsletter": False,
            "tier": "silver",
            "nickname": None,
            "score": 12,
        },
    )
    ContactEmailAddressFactory(contact=grace, email="grace@navy.example")
    alan = ContactFactory(
        organization=org_a,
        first_name="Alan",
        last_name="Turing",
        status="archived",
        custom_fields={"score": "n/a"},
    )
    outsider = ContactFactory(
        organization=org_b,
        first_name="Eve",
        last_name="Lovelace-Secret",
        status="active",
        tags=["vip", "engine", "secret"],
        custom_fields={"shoe_size": 38, "budget": "9.50", "score": 7},
    )
    ContactEmailAddressFactory(contact=outsider, email="eve@acme.example")
    for contact, day in ((ada, 1), (grace, 10), (alan, 20), (outsider, 15)):
        Contact.objects.filter(pk=contact.pk).update(
            created_at=datetime.datetime(2025, 3, day, 12, tzinfo=datetime.UTC)
        )
    return type(
        "World",
        (),
        {
            "client": jwt_client(user),
            "user": user,
            "role": role,
            "org_a": org_a,
            "org_b": org_b,
            "labs": labs,
            "ada": ada.pk,
            "grace": grace.pk,
            "alan": alan.pk,
            "outsider": outsider.pk,
        },
    )


def found(world, definition):
    return listed_set(get_filtered(world.client, URL, definition))


def names(world, *keys):
    return {getattr(world, key) for key in keys}


# ----------------------------------------------------------------------- operators
def test_without_a_filter_the_list_is_the_callers(world):
    assert listed_set(world.client.get(URL)) == names(world, "ada", "grace", "alan")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("last_name", "eq", "Hopper"), {"grace"}),
        (cond("last_name", "neq", "Hopper"), {"ada", "alan"}),
        (cond("last_name", "icontains", "LOVE"), {"ada"}),
        (cond("last_name", "contains", "ove"), {"ada"}),
        (cond("last_name", "istartswith", "ho"), {"grace"}),
        (cond("last_name", "startswith", "Tur"), {"alan"}),
        (cond("last_name", "iendswith", "ING"), {"alan"}),
        (cond("last_name", "endswith", "ace"), {"ada"}),
        (cond("last_name", "gt", "Lz"), {"alan"}),
        (cond("last_name", "gte", "Lovelace"), {"ada", "alan"}),
        (cond("last_name", "lt", "Lovelace"), {"grace"}),
        (cond("last_name", "lte", "Lovelace"), {"ada", "grace"}),
        (cond("status", "in", ["active", "archived"]), {"ada", "alan"}),
        (cond("status", "notin", ["active", "archived"]), {"grace"}),
        (cond("created_at", "gte", "2025-03-10T12:00:00Z"), {"grace", "alan"}),
        (cond("created_at", "lt", "2025-03-10"), {"ada"}),
        (cond("linked_organization", "isnull", False), {"ada"}),
        (cond("linked_organization", "isnull", True), {"grace", "alan"}),
        (cond("linked_organization__name", "eq", "Acme Labs"), {"ada"}),
        (cond("linked_organization__name", "neq", "Acme Labs"), {"grace", "alan"}),
    ],
)
def test_operators(world, condition, expected):
    assert found(world, condition) == names(world, *expected)


def test_a_relation_compares_by_primary_key(world):
    assert found(world, cond("linked_organization", "eq", world.labs.pk)) == names(world, "ada")
    assert found(world, cond("linked_organization", "in", [str(world.labs.pk)])) == names(
        world, "ada"
    )


def test_nested_and_or_not(world):
    definition = {
        "or": [
            {"and": [cond("status", "eq", "active"), cond("tags__name", "eq", "vip")]},
            {"not": cond("last_name", "in", ["Lovelace", "Hopper"])},
        ]
    }
    assert found(world, definition) == names(world, "ada", "alan")
    assert found(world, {"not": definition}) == names(world, "grace")


# ------------------------------------------------------------------- multi-valued
def test_two_tags_mean_records_with_both(world):
    both = {"and": [cond("tags__name", "eq", "vip"), cond("tags__name", "eq", "engine")]}
    assert found(world, both) == names(world, "ada")


def test_records_matching_through_several_related_rows_appear_once(world):
    response = get_filtered(
        world.client,
        URL,
        {"or": [cond("tags__name", "eq", "vip"), cond("tags__name", "eq", "engine")]},
    )
    assert listed_set(response) == names(world, "ada", "grace")
    assert response.json()["count"] == 2
    # Ada has two matching addresses.
    response = get_filtered(
        world.client, URL, cond("email_addresses__email", "iendswith", "@acme.example")
    )
    assert listed(response) == [world.ada]
    assert response.json()["count"] == 1


def test_negations_of_multi_valued_paths_mean_no_related_row_matches(world):
    assert found(world, cond("tags__name", "neq", "engine")) == names(world, "grace", "alan")
    assert found(world, cond("tags__name", "notin", ["vip"])) == names(world, "alan")
    assert found(world, {"not": cond("email_addresses__email", "icontains", "navy")}) == names(
        world, "ada", "alan"
    )


def test_isnull_on_a_multi_valued_path(world):
    assert found(world, cond("tags__name", "isnull", True)) == names(world, "alan")
    assert found(world, cond("tags__name", "isnull", False)) == names(world, "ada", "grace")


# ------------------------------------------------------------------- custom fields
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # integer definition
        (cond("custom_fields__shoe_size", "eq", 38), {"ada"}),
        (cond("custom_fields__shoe_size", "in", [38, 41]), {"ada", "grace"}),
        (cond("custom_fields__shoe_size", "gt", 39), {"grace"}),
        (cond("custom_fields__shoe_size", "neq", 38), {"grace", "alan"}),
        (cond("custom_fields__shoe_size", "notin", [41]), {"ada", "alan"}),
        # decimal definition, stored as strings: compared as numbers
        (cond("custom_fields__budget", "gt", 10), {"grace"}),
        (cond("custom_fields__budget", "eq", 9.5), {"ada"}),
        (cond("custom_fields__budget", "lte", "9.5"), {"ada"}),
        (cond("custom_fields__budget", "gte", 9.5), {"ada", "grace"}),
        # date definition
        (cond("custom_fields__since", "lt", "2020-01-01"), {"grace"}),
        (cond("custom_fields__since", "eq", "2020-05-01"), {"ada"}),
        # boolean definition
        (cond("custom_fields__newsletter", "eq", True), {"ada"}),
        (cond("custom_fields__newsletter", "eq", False), {"grace"}),
        (cond("custom_fields__newsletter", "neq", True), {"grace", "alan"}),
        # choice definition
        (cond("custom_fields__tier", "in", ["gold"]), {"ada"}),
        (cond("custom_fields__tier", "istartswith", "SIL"), {"grace"}),
        # no definition: any JSON scalar; numbers compare with numbers only
        (cond("custom_fields__nickname", "isnull", True), {"grace", "alan"}),
        (cond("custom_fields__nickname", "isnull", False), {"ada"}),
        (cond("custom_fields__nickname", "icontains", "count"), {"ada"}),
        (cond("custom_fields__nickname", "contains", "ount"), {"ada"}),
        (cond("custom_fields__nickname", "endswith", "ess"), {"ada"}),
        (cond("custom_fields__score", "gt", 8), {"grace"}),
        (cond("custom_fields__score", "lt", 100), {"ada", "grace"}),
        (cond("custom_fields__score", "eq", "n/a"), {"alan"}),
        (cond("custom_fields__score", "eq", 7), {"ada"}),
        (cond("custom_fields__score", "eq", 7.0), {"ada"}),
        (cond("custom_fields__score", "in", [7, "n/a"]), {"ada", "alan"}),
        (cond("custom_fields__score", "notin", [7, "n/a"]), {"grace"}),
        (cond("custom_fields__missing", "isnull", True), {"ada", "grace", "alan"}),
        (cond("custom_fields__missing", "neq", "x"), {"ada", "grace", "alan"}),
    ],
)
def test_custom_fields(world, condition, expected):
    assert found(world, condition) == names(world, *expected)


def test_custom_field_conditions_negate_exactly(world):
    # A missing key is neither equal to 38 nor null-valued: "not" finds it.
    assert found(world, {"not": cond("custom_fields__shoe_size", "eq", 38)}) == names(
        world, "grace", "alan"
    )
    assert found(world, {"not": cond("custom_fields__nickname", "isnull", True)}) == names(
        world, "ada"
    )


def test_custom_field_values_are_checked_by_their_definition(world):
    message = filter_error(
        get_filtered(world.client, URL, cond("custom_fields__shoe_size", "eq", "big"))
    )
    assert message == (
        'Field "custom_fields__shoe_size", operator "eq": expected a whole number, not "big".'
    )
    message = filter_error(
        get_filtered(world.client, URL, cond("custom_fields__tier", "eq", "bronze"))
    )
    assert '"bronze" is not one of the choices: gold, silver' in message


def test_only_the_definitions_of_the_callers_organizations_apply(world):
    # Another organization's definition of the key does not constrain this caller...
    define("nickname", "integer", organization=world.org_b)
    assert found(world, cond("custom_fields__nickname", "eq", "Countess")) == names(world, "ada")
    # ...the caller's organization's does.
    define("nickname", "integer", organization=world.org_a)
    message = filter_error(
        get_filtered(world.client, URL, cond("custom_fields__nickname", "eq", "Countess"))
    )
    assert "expected a whole number" in message


def test_inactive_definitions_do_not_apply(world):
    CustomFieldDefinition.objects.filter(key="shoe_size").update(is_active=False)
    assert found(world, cond("custom_fields__shoe_size", "eq", "38")) == set()


# -------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"field": "last_name", "op": "eq", "value": "x"', "The filter is not valid JSON: "),
        ("last_name=Hopper", "The filter is not valid JSON: Expecting value"),
        ('{"field": "last_name", "op": "eq", "value": NaN}', "NaN is not a JSON number"),
        ("[" * 3000 + "]" * 3000, "at most 4000 characters"),
        ("[" * 1990 + "]" * 1990, "The filter is not valid JSON"),
        (
            json.dumps(cond("password", "eq", "x")),
            'Field "password" cannot be used in a filter on this endpoint; allowed fields: id,',
        ),
        (
            json.dumps(cond("organization__contacts__last_name", "eq", "x")),
            'Field "organization__contacts__last_name" cannot be used',
        ),
        (json.dumps(cond("last_name", "matches", "x")), 'Unknown operator "matches"'),
        (
            json.dumps(cond("created_at", "gt", "last week")),
            'Field "created_at", operator "gt": ',
        ),
        (json.dumps({"and": {}}), '"and" takes a list of nodes, not an object'),
        (json.dumps(cond("last_name", "eq", None)), 'use "isnull" instead'),
        (
            json.dumps({"not": {"not": {"not": {"not": {"not": {"not": cond("id", "eq", 1)}}}}}}),
            "at most 5 levels",
        ),
        (
            json.dumps({"or": [cond("id", "eq", n) for n in range(31)]}),
            "or[30]: too many conditions: at most 30",
        ),
    ],
)
def test_bad_filters_are_400s_naming_the_problem(world, raw, expected):
    message = filter_error(get_filtered(world.client, URL, raw))
    assert expected in message


def test_the_limits_are_settings(world, settings):
    settings.FILTER_MAX_DEPTH = 1
    settings.FILTER_MAX_CONDITIONS = 2
    two = {"and": [cond("id", "eq", 1), cond("id", "eq", 2)]}
    assert get_filtered(world.client, URL, two).status_code == 200
    assert "at most 1 levels" in filter_error(get_filtered(world.client, URL, {"not": two}))
    assert "at most 2" in filter_error(
        get_filtered(world.client, URL, {"or": [*two["and"], cond("id", "eq", 3)]})
    )
    settings.FILTER_MAX_LENGTH = 100
    long = cond("last_name", "eq", "x" * 100)
    assert "at most 100 characters" in filter_error(get_filtered(world.client, URL, long))


def test_the_parameter_is_given_once(world):
    raw = json.dumps(cond("id", "eq", 1))
    response = world.client.get(f"{URL}?filter={quote(raw)}&filter={quote(raw)}")
    assert "Give `filter` once" in filter_error(response)


def test_an_empty_parameter_is_no_filter(world):
    assert listed_set(world.client.get(URL, {"filter": ""})) == names(world, "ada", "grace", "alan")
    assert listed_set(world.client.get(URL, {"filter": "  "})) == names(
        world, "ada", "grace", "alan"
    )
    # So is an empty group, however nested.
    everyone = names(world, "ada", "grace", "alan")
    for empty in ({"and": []}, {"OR": []}, {"not": {"and": []}}):
        assert listed_set(get_filtered(world.client, URL, empty)) == everyone


def test_upper_case_groups_and_operators(world):
    definition = {"OR": [cond("last_name", "EQ", "Hopper"), cond("last_name", "IEXACT", "x")]}
    assert "IEXACT" in filter_error(get_filtered(world.client, URL, definition))
    definition = {"OR": [cond("last_name", "EQ", "Hopper"), cond("last_name", "Eq", "Turing")]}
    assert listed_set(get_filtered(world.client, URL, definition)) == names(world, "grace", "alan")


def test_the_parameter_is_url_decoded_once(world):
    Contact.objects.filter(pk=world.alan).update(last_name="100%25 Turing+")
    raw = json.dumps(cond("last_name", "eq", "100%25 Turing+"))
    # Encoded once by the client, decoded once by the server: "%25" stays literal.
    response = world.client.get(f"{URL}?filter={quote(raw, safe='')}")
    assert listed(response) == [world.alan]


def test_a_filter_applies_to_lookups_of_a_record_too(world):
    # Like the other filters, it narrows what a detail route finds.
    raw = json.dumps(cond("last_name", "eq", "Hopper"))
    assert world.client.get(f"{URL}{world.grace}/", {"filter": raw}).status_code == 200
    assert world.client.get(f"{URL}{world.ada}/", {"filter": raw}).status_code == 404


def test_the_deployment_setting_replaces_the_views_fields(world, settings):
    settings.ALLOWED_FILTER_FIELDS = {"Contact.Contact": ["first_name"]}
    assert found(world, cond("first_name", "eq", "Grace")) == names(world, "grace")
    message = filter_error(get_filtered(world.client, URL, cond("last_name", "eq", "Hopper")))
    assert message.endswith("allowed fields: first_name")
    settings.ALLOWED_FILTER_FIELDS = {"contact.contact": []}
    message = filter_error(get_filtered(world.client, URL, cond("first_name", "eq", "Grace")))
    assert message == "Filtering with `filter` is not available on this endpoint."


# --------------------------------------------------------------- hidden fields
def test_a_field_the_role_may_not_read_cannot_be_probed(world):
    FieldPermission.objects.create(
        role=world.role,
        content_type=ContentType.objects.get_for_model(Contact),
        field_name="notes",
        can_read=False,
        can_write=False,
    )
    right_guess = cond("notes", "icontains", "classified")
    wrong_guess = cond("notes", "icontains", "no such words")
    # Right or wrong, the answer is the same: the field is unknown in this organization.
    assert found(world, right_guess) == set()
    assert found(world, wrong_guess) == set()
    assert found(world, {"not": right_guess}) == found(world, {"not": wrong_guess})
    # Who may read it finds by it.
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client = type(world.client)()
    client.force_authenticate(superuser)
    assert listed_set(get_filtered(client, URL, right_guess)) == names(world, "ada")


def test_a_hidden_serializer_field_guards_the_path_it_reads(world):
    FieldPermission.objects.create(
        role=world.role,
        content_type=ContentType.objects.get_for_model(Contact),
        field_name="linked_organization_name",
        can_read=False,
        can_write=False,
    )
    assert found(world, cond("linked_organization__name", "eq", "Acme Labs")) == set()
    # The id is another field, still readable.
    assert found(world, cond("linked_organization", "eq", world.labs.pk)) == names(world, "ada")


# ------------------------------------------------------------------- query counts
def test_a_filtered_list_runs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for n in range(12):
        contact = ContactFactory(
            organization=world.org_a,
            last_name=f"Extra {n}",
            tags=["vip", f"t{n}"],
            custom_fields={"shoe_size": 40 + n % 3},
        )
        ContactEmailAddressFactory(contact=contact)
    definition = {
        "and": [
            cond("tags__name", "eq", "vip"),
            cond("custom_fields__shoe_size", "gte", 38),
            {"not": cond("email_addresses__email", "icontains", "navy")},
            cond("linked_organization__name", "isnull", True),
        ]
    }
    counts = {}
    for size in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            response = get_filtered(world.client, URL, definition, page_size=size)
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[2] == counts[12]
    with django_assert_max_num_queries(counts[2]):
        get_filtered(world.client, URL, definition, page_size=12)


def test_tag_names_match_in_any_letter_case_as_the_tags_parameter_does(world):
    assert found(world, cond("tags__name", "eq", "VIP")) == found(
        world, cond("tags__name", "eq", "vip")
    )
    assert found(world, cond("tags__name", "eq", "Vip")) == names(world, "ada", "grace")
    assert found(world, cond("tags__name", "in", ["ENGINE", "nothing"])) == found(
        world, cond("tags__name", "eq", "engine")
    )
    assert found(world, cond("tags__name", "notin", ["VIP"])) == names(world, "alan")
    assert found(world, cond("tags__name", "neq", "Engine")) == names(world, "grace", "alan")
