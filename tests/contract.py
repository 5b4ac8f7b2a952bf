"""The API contract of an organization-scoped endpoint: one test class per endpoint runs
every rule the platform promises for it.

    class TestWarehouseAPI(ScopedEndpointContract):
        basename = "warehouse"                   # api-v1:warehouse-list, -detail, ...
        factory = WarehouseFactory               # called with organization=...
        update_payload = {"name": "Changed"}     # a valid PATCH
        restricted_field = "code"                # for the field-level rules
        unique_payload_fields = ("code",)        # unique in an organization

        def create_payload(self, world, organization):
            return {"organization": organization.pk, "name": "New", "code": "NEW-1", ...}

The family, each part a class of its own (modelled on NetBox's APIViewTestCases):

- `TenancyMatrix` (tests/tenancy.py): who sees, creates, changes and deletes what, for
  each kind of user; the field rules (hidden and read-only fields).
- `AuthenticationTests`: no credentials, no access (401), and nothing written.
- `RoundTripTests`: list, retrieve, create, PATCH, PUT and delete by a user whose role
  allows them: status codes, bodies (a write answers what a read gives back) and the
  database; a duplicate of a unique field is a 400 naming it.
- `OrderingTests`: each of the view's `ordering_fields`, ascending and descending.
- `SearchTests`: each of the view's `search_fields` finds its record and not another.
- `QueryCountTests`: the list runs as many SQL queries for 2 rows as for 20
  (`assert_constant_queries`).
- `CustomFieldTests` (models with custom fields), `TagTests` (taggable models),
  `HistoryTests` (audited models), `WorkflowTests` (models with a workflow).
- `ConditionalRequestTests`: ETags on every answer about a record, 304 while a read's
  ETag holds, 412 (and nothing written) for a write to a version read before a
  change, 428 without If-Match when REQUIRE_IF_MATCH is on.
- `ExportTests`: `export/` of the list gives the records of the organization exported,
  never another organization's (api/v1/features/data_jobs).

A test that does not apply (a feature the model lacks in core.registry, a view without
ordering or search fields, no `restricted_field`, no `unique_payload_fields`) is set
to None on the subclass, so pytest does not collect it: nothing is skipped in silence.

Hooks (override in the subclass; each has a docstring below): `create_payload`,
`make_record`, `new_record`, `ordering_records`, `search_records`, `search_term`,
`rich_record`, `put_payload`, `assert_created_in`, `changed_value`; attributes
`organization_key`, `unique_payload_fields`, `ordering_fields`, `search_fields`,
`create_format` ("multipart" for an endpoint that takes uploads), and those of
tests/tenancy.py's `ScopedEndpoint` (`target_field`, `movable`, `creates`, `writes`,
`deletes`, ...); hooks `assert_removed` for a deletion that keeps the row, `author_of`
and `editor_of` for a record whose author is not `created_by` (a chat message's sender).

tests/test_contract_coverage.py fails when a scoped model with a list route under
/api/v1/ has no test class inheriting `ScopedEndpointContract`.
"""

import copy
import csv
import datetime
import io
from itertools import count

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm import FSMFieldMixin
from rest_framework import serializers
from rest_framework.test import APIClient

from api.v1.base_models.organization.tests.factories import permissions_named
from audit.models import AuditLog
from core import registry

from .tenancy import USERS, ScopedEndpoint, TenancyMatrix

__all__ = ["ScopedEndpointContract", "assert_constant_queries"]

# Distinct values for the records a contract test makes (tags, search terms).
_serial = count(1)


# ---------------------------------------------------------------------------------------
# The one constant-query check
# ---------------------------------------------------------------------------------------
def assert_constant_queries(client, url, make_more, *, params=None, small=2, large=20):
    """Assert that listing `url` runs as many SQL queries for a page of `small` rows as
    for a page of `large` rows, and return the rows of the large page.

    `make_more(count)` makes `count` more records the client lists (it is called once,
    with `large + 1`, so that both pages are full). The cache is cleared before each
    counted request, and a first request (not counted) fills the per-process caches
    (content types) so that neither count pays for them. `params` are further query
    parameters of every request.
    """
    make_more(large + 1)
    params = dict(params or {})
    client.get(url, {**params, "page_size": large})
    counted = {}
    rows = []
    for size in (small, large):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {**params, "page_size": size})
        assert response.status_code == 200, response.content
        rows = response.json()["results"]
        assert len(rows) == size, f"{url}: {len(rows)} rows listed for page_size={size}"
        counted[size] = len(queries)
    assert counted[small] == counted[large], (
        f"{url}: {counted[small]} queries for {small} rows but {counted[large]} for {large}:\n"
        + "\n".join(query["sql"] for query in queries.captured_queries)
    )
    return rows


def _scalar(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _plain_names(fields) -> list[str]:
    """DRF search fields without their lookup prefix (^ = @ $)."""
    return [name.lstrip("^=@$") for name in fields]


# ---------------------------------------------------------------------------------------
# The parts of the family
# ---------------------------------------------------------------------------------------
class ContractHooks(ScopedEndpoint):
    """The hooks and helpers the parts below share (on top of tests/tenancy.py's)."""

    # The key of a read record that holds its organization's id (None: the record has
    # none, as an organization itself).
    organization_key: str | None = "organization"
    # Fields of create_payload that are unique in an organization: sending the same
    # payload twice is a 400 naming each of them.
    unique_payload_fields: tuple[str, ...] = ()
    # The fields tested for ordering and search; None: the view's own.
    ordering_fields: list[str] | None = None
    search_fields: list[str] | None = None

    @classmethod
    def get_ordering_fields(cls) -> list[str]:
        fields = cls.ordering_fields
        if fields is None:
            fields = getattr(cls.view_class(), "ordering_fields", None) or []
        assert fields != "__all__", f"{cls.__name__}: list the ordering_fields to test"
        return list(fields)

    @classmethod
    def get_search_fields(cls) -> list[str]:
        fields = cls.search_fields
        if fields is None:
            fields = getattr(cls.view_class(), "search_fields", None) or []
        return _plain_names(fields)

    def pytest_generate_tests(self, metafunc):
        """One test per ordering field and per search field, and per reader of the
        world's record in A among the superuser and `user_a` (pytest calls this hook of
        a test class while collecting it)."""
        if "reader" in metafunc.fixturenames:
            readers = [user for user in ("superuser", "user_a") if "record_a" in self.sees[user]]
            metafunc.parametrize("reader", readers)
        if "ordering_field" in metafunc.fixturenames:
            metafunc.parametrize("ordering_field", self.get_ordering_fields())
        if "search_field" in metafunc.fixturenames:
            metafunc.parametrize("search_field", self.get_search_fields())

    # ------------------------------------------------------------------ hooks
    def new_record(self, world, organization):
        """Another record in `organization` that its members (`user_a` for A) see, with
        values of its own (names, codes): ordering, search and query counts make
        several. By default the world's `make_record`."""
        return self.make_record(world, organization)

    def rich_record(self, world, organization):
        """A record with everything its representation shows filled in (related rows,
        tags), for the query counts: by default `new_record`, with two tags when the
        model is taggable."""
        record = self.new_record(world, organization)
        if self.features().taggable:
            record.tags.add("common", f"own-{next(_serial)}")
        return record

    def put_payload(self, world, record, current: dict) -> dict:
        """The body of a PUT of `record`, whose read representation is `current`: by
        default that representation with `update_payload` applied."""
        return {**copy.deepcopy(current), **self.update_payload}

    # ---------------------------------------------------------------- helpers
    def assert_applied(self, payload: dict, body: dict, record=None) -> None:
        """Each plain value of `payload` (and each list of tag-like strings) is in the
        response `body` and, when `record` is given and the key is a field of its model,
        in its database row. Nested objects (an address, channels) are the app's own
        tests' business, and so are write-only keys (not in the body)."""
        for key, value in payload.items():
            if key not in body:
                continue
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                assert sorted(body[key], key=str.casefold) == sorted(value, key=str.casefold), key
            elif _scalar(value):
                assert body[key] == value, (key, body[key], value)
                if record is not None and key in self._concrete_fields(record):
                    assert self._db_value(record, key) == value, key

    @staticmethod
    def _concrete_fields(record) -> set[str]:
        return {field.name for field in type(record)._meta.concrete_fields}

    def _db_value(self, record, key):
        """The stored value of field `key` as the API writes it (the id of a relation)."""
        field = type(record)._meta.get_field(key)
        if field.related_model is ContentType:  # as rbac.serializers.ContentTypeField
            content_type = getattr(record, key)
            return f"{content_type.app_label}.{content_type.model}"
        if field.is_relation:
            return getattr(record, field.attname)
        value = getattr(record, key)
        if isinstance(value, datetime.datetime):  # as the API writes it: ISO 8601
            return serializers.DateTimeField().to_representation(value)
        return value if _scalar(value) else str(value)

    def reloaded(self, record):
        return type(record)._default_manager.get(pk=record.pk)


class AuthenticationTests(ContractHooks):
    """Without credentials nothing is read (tests/tenancy.py) and nothing written."""

    def test_anonymous_may_not_write(self, world):
        model = self.get_model()
        record = world.records["record_a"]
        before = model._default_manager.count()
        stored = model._default_manager.filter(pk=record.pk).values().get()
        anonymous = APIClient()

        created = self.post_create(anonymous, self.create_payload(world, world.org_a))
        changed = anonymous.patch(self.detail_url(record), self.update_payload, format="json")
        deleted = anonymous.delete(self.detail_url(record))

        assert (created.status_code, changed.status_code, deleted.status_code) == (401, 401, 401)
        assert created.json()["code"] == "not_authenticated"
        assert model._default_manager.count() == before
        assert model._default_manager.filter(pk=record.pk).values().get() == stored


class RoundTripTests(ContractHooks):
    """Each operation by `user_a`, whose role in A allows them all: the status code, the
    body, what a read gives back afterwards, and the database."""

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not cls.unique_payload_fields or not cls.creatable:
            skipped.add("test_a_duplicate_of_a_unique_field_is_a_400_naming_it")
        if not cls.creatable:
            skipped.add("test_create_answers_201_with_what_a_read_gives_back")
        if not cls.updatable:
            skipped |= {
                "test_patch_answers_200_and_changes_the_record",
                "test_put_answers_200_and_replaces_the_record",
            }
        if not cls.deletable:
            skipped.add("test_delete_answers_204_and_removes_the_record")
        return skipped

    def test_list_answers_a_page_of_the_records_as_retrieve_shows_them(self, world):
        client = world.client("user_a")
        record = world.records["record_a"]

        response = client.get(self.list_url(), {"page_size": 100})

        assert response.status_code == 200, response.content
        body = response.json()
        page = {"count", "next", "previous", "results"}
        # A table growing without bound counts up to a limit (core.pagination).
        assert page <= set(body) <= page | {"count_is_exact"}, set(body)
        rows = {row["id"]: row for row in body["results"]}
        assert body["count"] == len(rows)
        assert body.get("count_is_exact", True) is True
        assert rows[record.pk] == client.get(self.detail_url(record)).json()

    def test_retrieve_answers_the_record(self, world):
        record = world.records["record_a"]

        response = world.client("user_a").get(self.detail_url(record))

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["id"] == record.pk
        if self.organization_key:
            assert body[self.organization_key] == self.organization_id_of(record)

    def test_create_answers_201_with_what_a_read_gives_back(self, world):
        model = self.get_model()
        client = world.client("user_a")
        payload = self.create_payload(world, world.org_a)
        before = model._default_manager.count()

        response = self.post_create(client, payload)

        assert response.status_code == 201, response.content
        body = response.json()
        created = model._default_manager.get(pk=body["id"])
        assert model._default_manager.count() == before + 1
        self.assert_created_in(created, world.org_a)
        self.assert_applied(payload, body, created)
        assert client.get(self.detail_url(created)).json() == body

    def test_a_duplicate_of_a_unique_field_is_a_400_naming_it(self, world):
        model = self.get_model()
        client = world.client("user_a")
        payload = self.create_payload(world, world.org_a)
        assert self.post_create(client, payload).status_code == 201
        before = model._default_manager.count()

        response = self.post_create(client, payload)

        assert response.status_code == 400, response.content
        assert set(self.unique_payload_fields) <= set(response.json()), response.json()
        assert model._default_manager.count() == before

    def test_patch_answers_200_and_changes_the_record(self, world):
        client = world.client("user_a")
        record = world.records["record_a"]

        response = client.patch(self.detail_url(record), self.update_payload, format="json")

        assert response.status_code == 200, response.content
        body = response.json()
        self.assert_applied(self.update_payload, body, self.reloaded(record))
        assert client.get(self.detail_url(record)).json() == body

    def test_put_answers_200_and_replaces_the_record(self, world):
        client = world.client("user_a")
        record = world.records["record_a"]
        current = client.get(self.detail_url(record)).json()
        payload = self.put_payload(world, record, current)

        response = client.put(self.detail_url(record), payload, format="json")

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["id"] == record.pk
        self.assert_applied(self.update_payload, body, self.reloaded(record))
        assert client.get(self.detail_url(record)).json() == body

    def test_delete_answers_204_and_removes_the_record(self, world):
        client = world.client("user_a")
        record = world.records["record_a"]

        response = client.delete(self.detail_url(record))

        assert response.status_code == 204, response.content
        self.assert_removed(record, client)
        assert type(record)._default_manager.filter(pk=world.records["record_b"].pk).exists()


class OrderingTests(ContractHooks):
    """`?ordering=` by each of the view's ordering fields."""

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not cls.get_ordering_fields():
            skipped.add("test_ordering_ascending_and_descending")
        return skipped

    def ordering_records(self, world) -> list:
        """Records of organization A whose values differ on every ordering field (at
        least two different values of each): by default three `new_record`s."""
        return [self.new_record(world, world.org_a) for _ in range(3)]

    def test_ordering_ascending_and_descending(self, world, ordering_field):
        model = self.get_model()
        records = self.ordering_records(world)
        # One record per value of the field, so that the expected order has no ties.
        one_per_value = {}
        for pk, value in model._default_manager.filter(
            pk__in=[record.pk for record in records]
        ).values_list("pk", ordering_field):
            one_per_value.setdefault(value, pk)
        assert len(one_per_value) >= 2, (
            f"ordering_records() give no two different values of {ordering_field!r}: "
            f"override it in {type(self).__name__}"
        )
        expected = list(
            model._default_manager.filter(pk__in=one_per_value.values())
            .order_by(ordering_field)
            .values_list("pk", flat=True)
        )
        client = world.client("user_a")

        def listed(ordering):
            response = client.get(self.list_url(), {"ordering": ordering, "page_size": 100})
            assert response.status_code == 200, response.content
            return [row["id"] for row in response.json()["results"] if row["id"] in expected]

        assert listed(ordering_field) == expected
        assert listed(f"-{ordering_field}") == expected[::-1]


class SearchTests(ContractHooks):
    """`?search=` by each of the view's search fields."""

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not cls.get_search_fields():
            skipped.add("test_search_finds_a_record_by_each_field")
        return skipped

    def search_records(self, world) -> tuple:
        """Two records of organization A whose values of every search field differ, no
        value of the first one's being found in the second one's: by default two
        `new_record`s."""
        return self.new_record(world, world.org_a), self.new_record(world, world.org_a)

    def test_search_finds_a_record_by_each_field(self, world, search_field):
        found, other = self.search_records(world)
        values = [
            value
            for value in type(found)
            ._default_manager.filter(pk=found.pk)
            .values_list(search_field, flat=True)
            if value not in (None, "")
        ]
        assert values, (
            f"search_records() give the first record no {search_field!r}: "
            f"override it in {type(self).__name__}"
        )
        # Quoted, the value is one term (else each of its words is searched apart).
        term = '"{}"'.format(str(values[0]).replace('"', '\\"'))

        listed = self.listed_ids(
            world.client("user_a").get(self.list_url(), {"search": term, "page_size": 100})
        )

        assert found.pk in listed, term
        assert other.pk not in listed, term


class QueryCountTests(ContractHooks):
    """The list runs a constant number of queries, whoever asks."""

    def test_the_list_runs_the_same_queries_for_2_and_20_rows(self, world, reader):
        def make_more(count):
            for _ in range(count):
                self.rich_record(world, world.org_a)

        # Newest first, so that both pages show rich records only (not the world's).
        newest = {"ordering": "-created_at"} if "created_at" in self.get_ordering_fields() else {}
        assert_constant_queries(world.client(reader), self.list_url(), make_more, params=newest)


class CustomFieldTests(ContractHooks):
    """`custom_fields` follow the model's definitions (models with custom fields)."""

    KEY = "contract_units"

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not (cls.features().custom_fields and cls.creatable and cls.updatable):
            skipped.add("test_custom_fields_are_checked_against_their_definitions")
        return skipped

    def test_custom_fields_are_checked_against_their_definitions(self, world):
        model = self.get_model()
        apps.get_model("core", "CustomFieldDefinition").objects.create(
            content_type=ContentType.objects.get_for_model(model),
            key=self.KEY,
            field_type="integer",
        )
        client = world.client("user_a")
        record = world.records["record_a"]
        kept = self.reloaded(record).custom_fields
        before = model._default_manager.count()

        wrong = client.patch(
            self.detail_url(record), {"custom_fields": {self.KEY: "many"}}, format="json"
        )
        payload = {**self.create_payload(world, world.org_a), "custom_fields": {self.KEY: "x"}}
        wrong_create = self.post_create(client, payload)

        for response in (wrong, wrong_create):
            assert response.status_code == 400, response.content
            assert self.KEY in response.json()["custom_fields"]
        assert self.reloaded(record).custom_fields == kept
        assert model._default_manager.count() == before

        right = client.patch(
            self.detail_url(record), {"custom_fields": {self.KEY: 7}}, format="json"
        )

        assert right.status_code == 200, right.content
        assert right.json()["custom_fields"] == {self.KEY: 7}
        assert self.reloaded(record).custom_fields == {self.KEY: 7}
        assert client.get(self.detail_url(record)).json()["custom_fields"] == {self.KEY: 7}


class TagTests(ContractHooks):
    """Tags are written, read back and filtered by (taggable models)."""

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not (cls.features().taggable and cls.updatable):
            skipped.add("test_tags_round_trip_and_filter_the_list")
        return skipped

    def test_tags_round_trip_and_filter_the_list(self, world):
        record_a, record_b = world.records["record_a"], world.records["record_b"]
        record_b.tags.add("elsewhere")
        client = world.client("user_both")

        response = client.patch(
            self.detail_url(record_a), {"tags": ["zeta", "Alpha"]}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["tags"] == ["Alpha", "zeta"]
        assert client.get(self.detail_url(record_a)).json()["tags"] == ["Alpha", "zeta"]
        assert sorted(self.reloaded(record_a).tags.names()) == ["Alpha", "zeta"]
        for tag, present, absent in (
            ("ZETA", record_a, record_b),
            ("elsewhere", record_b, record_a),
        ):
            listed = self.listed_ids(client.get(self.list_url(), {"tags": tag, "page_size": 100}))
            assert present.pk in listed, f"?tags={tag} does not list the record tagged so"
            assert absent.pk not in listed, (
                f"?tags={tag} lists a record without that tag: does the view's filter set "
                "have the tags filter (core.filters)?"
            )


class HistoryTests(ContractHooks):
    """`GET {id}/history/` lists the record's audit rows (audited models)."""

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not (cls.features().audited and cls.creatable and cls.updatable):
            skipped.add("test_history_lists_the_create_and_the_update")
        return skipped

    def audited_organization_id(self, record):
        """The organization the audit rows of `record` belong to: by default the
        record's own (`organization_id_of`)."""
        return self.organization_id_of(record)

    def test_history_lists_the_create_and_the_update(self, world):
        client = world.client("user_a")
        created = self.post_create(client, self.create_payload(world, world.org_a))
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        changed = client.patch(self.detail_url(pk), self.update_payload, format="json")
        assert changed.status_code == 200, changed.content

        # Reading the history needs the audit permission.
        assert client.get(self.action_url(pk, "history")).status_code == 403
        world.full_role.permissions.add(*permissions_named("audit.view_auditlog"))
        response = client.get(self.action_url(pk, "history"))

        assert response.status_code == 200, response.content
        rows = response.json()["results"]
        actions = [row["action_type"] for row in rows]
        assert actions[-1] == "CREATE", actions  # newest first
        updates = [row for row in rows if row["action_type"] == "UPDATE"]
        assert any(set(self.update_payload) <= set(row["changes"]) for row in updates), rows
        assert {row["object_id"] for row in rows} == {str(pk)}
        assert {row["content_type"] for row in rows} == {self.get_model()._meta.label_lower}
        created_record = self.get_model()._default_manager.get(pk=pk)
        assert {row["organization"] for row in rows} == {
            self.audited_organization_id(created_record)
        }
        assert {row["user"] for row in rows} == {world.users["user_a"].pk}
        # Another organization's record: as unknown as when retrieving it.
        record_b = world.records["record_b"]
        assert client.get(self.action_url(record_b, "history")).status_code == 404


class WorkflowTests(ContractHooks):
    """`GET {id}/available-transitions/` answers the state (models with a workflow)."""

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not cls.features().workflow:
            skipped.add("test_available_transitions_answer_the_state")
        return skipped

    def test_available_transitions_answer_the_state(self, world):
        record = world.records["record_a"]
        client = world.client("user_a")
        state_field = next(
            field
            for field in self.get_model()._meta.concrete_fields
            if isinstance(field, FSMFieldMixin)
        )

        response = client.get(self.action_url(record, "available-transitions"))

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["state"] == getattr(record, state_field.name)
        assert [item["name"] for item in body["transitions"]] == body["available_transitions"]
        record_b = world.records["record_b"]
        assert client.get(self.action_url(record_b, "available-transitions")).status_code == 404


class ConditionalRequestTests(ContractHooks):
    """ETags and conditional requests (core.conditional): no lost updates."""

    def change_record(self, client, record):
        """Change `record` through the API as `client`, and return the answer: by
        default a PATCH of `update_payload` (notifications: marked read)."""
        return client.patch(self.detail_url(record), self.update_payload, format="json")

    def conditional_writes(self) -> list[tuple[str, dict | None]]:
        """(method, body) of the writes of a record the endpoint has (If-Match)."""
        writes = [("patch", self.update_payload)] if self.updatable else []
        return writes + ([("delete", None)] if self.deletable else [])

    def test_reads_carry_an_etag_and_answer_304_while_it_holds(self, world):
        client = world.client("user_a")
        url = self.detail_url(world.records["record_a"])
        first = client.get(url)
        etag = first.headers["ETag"]
        assert first.status_code == 200
        assert etag.startswith('"'), first.headers
        assert client.get(url).headers["ETag"] == etag  # nothing changed

        unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.headers["ETag"] == etag
        assert client.get(url, HTTP_IF_NONE_MATCH='"other", ' + etag).status_code == 304

        changed = self.change_record(client, world.records["record_a"])
        assert changed.status_code == 200, changed.content
        new_etag = changed.headers["ETag"]
        assert new_etag != etag
        reread = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert reread.status_code == 200
        assert reread.headers["ETag"] == new_etag
        if self.creatable:
            # Every answer about the record gives the ETag a read gives.
            created = self.post_create(client, self.create_payload(world, world.org_a))
            assert created.status_code == 201, created.content
            read = client.get(self.detail_url(created.json()["id"]))
            assert created.headers["ETag"] == read.headers["ETag"]

    def test_a_write_to_a_version_read_before_a_change_is_412_and_writes_nothing(self, world):
        client = world.client("user_a")
        record = world.records["record_a"]
        url = self.detail_url(record)
        etag = client.get(url).headers["ETag"]
        model = self.get_model()

        applied = self.change_record(client, record)
        assert applied.status_code == 200, applied.content
        current = applied.headers["ETag"]
        stored = model._default_manager.filter(pk=record.pk).values().get()
        audit_rows = AuditLog.objects.count()

        # A second change sent with the version read before the first one.
        for method, body in self.conditional_writes():
            refused = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=etag)
            assert refused.status_code == 412, (method, refused.content)
            assert refused.json()["code"] == "precondition_failed"
            assert refused.headers["ETag"] == current
        if self.updatable:
            # A malformed body is a 400 whatever the version it names.
            malformed = client.generic(
                "PATCH", url, "{not json", content_type="application/json", HTTP_IF_MATCH=etag
            )
            assert malformed.status_code == 400, malformed.content
        assert model._default_manager.filter(pk=record.pk).values().get() == stored
        assert AuditLog.objects.count() == audit_rows

        # With the current version, or "*", the write is made.
        if self.updatable:
            patched = client.patch(url, {}, format="json", HTTP_IF_MATCH=f'"x", {current}')
            assert patched.status_code == 200, patched.content
        if self.deletable:
            assert client.delete(url, HTTP_IF_MATCH="*").status_code == 204
            self.assert_removed(record, client)

    def test_another_organizations_record_is_404_whatever_the_precondition(self, world):
        client = world.client("user_a")
        url = self.detail_url(world.records["record_b"])
        etag = world.client("user_b").get(url).headers["ETag"]
        for header in (etag, "*"):
            for method, body in self.conditional_writes():
                answer = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=header)
                assert answer.status_code == 404, (method, answer.content)
            assert client.get(url, HTTP_IF_NONE_MATCH=header).status_code == 404

    def test_the_etag_is_a_keyed_hash_of_the_stored_record(self, world, settings):
        def etag_of(name):
            # As read by one who sees it (the superuser, or the record's own reader).
            reader = next(user for user in USERS if name in self.sees[user])
            return world.client(reader).get(self.detail_url(world.records[name]))

        etags = {name: etag_of(name).headers["ETag"] for name in world.records}
        assert etags["record_a"] != etags["record_b"]
        for value in etag_of("record_a").json().values():
            if isinstance(value, str) and len(value) > 3:
                assert value not in etags["record_a"]
        settings.SECRET_KEY = "another secret key of the same length for the etag tests"
        assert etag_of("record_a").headers["ETag"] != etags["record_a"]

    def test_if_match_may_be_required(self, world, settings):
        settings.REQUIRE_IF_MATCH = True
        client = world.client("user_a")
        record = world.records["record_a"]
        url = self.detail_url(record)
        stored = self.get_model()._default_manager.filter(pk=record.pk).values().get()

        for method, body in self.conditional_writes():
            refused = getattr(client, method)(url, body, format="json")
            assert refused.status_code == 428, (method, refused.content)
            assert refused.json()["code"] == "precondition_required"
        assert self.get_model()._default_manager.filter(pk=record.pk).values().get() == stored
        etag = client.get(url).headers["ETag"]
        method, body = self.conditional_writes()[0]
        applied = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=etag)
        assert applied.status_code in (200, 204), applied.content


class ExportTests(ContractHooks):
    """`export/` of the list (api.v1.features.data_jobs): a member of both organizations
    exporting A's records gets them, and none of B's."""

    @classmethod
    def inapplicable_tests(cls):
        skipped = super().inapplicable_tests()
        if not hasattr(cls.view_class(), "export_records"):
            skipped.add("test_an_export_holds_its_organizations_records_only")
        return skipped

    def test_an_export_holds_its_organizations_records_only(
        self, world, django_capture_on_commit_callbacks
    ):
        client = world.client("user_both")
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(
                f"{self.list_url()}export/", {"organization": world.org_a.pk}, format="json"
            )
        assert started.status_code == 202, started.content
        job = client.get(started.headers["Location"]).json()
        assert job["status"] == "SUCCEEDED", job
        response = client.get(job["files"]["output"]["download_url"])
        lines = list(
            csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
        )
        ids = {row[lines[0].index("id")] for row in lines[1:]}
        assert str(world.records["record_a"].pk) in ids
        assert str(world.records["record_b"].pk) not in ids
        model = self.get_model()
        path = registry.organization_path(model)
        outside = model._default_manager.filter(pk__in=ids).exclude(**{path: world.org_a.pk})
        assert not outside.exists()


class ScopedEndpointContract(
    TenancyMatrix,
    AuthenticationTests,
    RoundTripTests,
    OrderingTests,
    SearchTests,
    QueryCountTests,
    CustomFieldTests,
    TagTests,
    HistoryTests,
    WorkflowTests,
    ConditionalRequestTests,
    ExportTests,
):
    """The whole contract of an organization-scoped endpoint (see the module's
    docstring): inherit it, declare the endpoint, override the hooks it needs."""
