"""The tenancy matrix, reusable for every organization-scoped endpoint.

`TenancyMatrix` is the part of the API contract (tests/contract.py, whose
`ScopedEndpointContract` every scoped endpoint's test class inherits) about tenancy:
which records each kind of user sees, creates, changes and deletes over HTTP. The
endpoint is described once, by the attributes and hooks of `ScopedEndpoint`:

    class TestContactAPI(ScopedEndpointContract):
        basename = "contact"                     # router basename under api-v1:
        factory = ContactFactory                 # called with organization=...
        update_payload = {"first_name": "Changed"}
        restricted_field = "notes"               # for the field-level rules

        def create_payload(self, world, organization):
            return {"organization": organization.pk, "first_name": "New"}

The users: a superuser; `user_a` and `user_b`, with a role holding all four model
permissions in organization A (resp. B); `user_both`, with that role in both;
`user_none`, a member of neither; `view_only`, whose role in A may only view;
`inactive`, whose membership of A (with the full role) is inactive. The records:
`record_a` in A and `record_b` in B, made by `make_record`.

Who sees what is `SEES`, who may create where `CREATES`, and who may change and delete
what `WRITES`, by the roles' permissions, unless an endpoint declares its own `sees` (a
user's own notifications), `creates` (chat messages: whoever sees the room), `writes`
(comments: their authors) or `deletes` (chat messages: their senders and the rooms'
managers). An endpoint that does not create, change or
delete records through the API (`creatable`, `updatable`, `deletable`) answers those
requests 405.
"""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from core import registry
from rbac.models import FieldPermission

USERS = ["superuser", "user_a", "user_b", "user_both", "user_none", "view_only", "inactive"]
# The users of no active membership.
WITHOUT_ROLE = {"user_none", "inactive"}
# Who sees record_a / record_b (list and retrieve).
SEES = {
    "superuser": {"record_a", "record_b"},
    "user_a": {"record_a"},
    "user_b": {"record_b"},
    "user_both": {"record_a", "record_b"},
    "user_none": set(),
    "view_only": {"record_a"},
    "inactive": set(),
}
# Who may create records in which organization, by their role's add permission (the
# others: 403 when they may create nowhere, else the target is unknown to them).
CREATES = {
    "org_a": {"superuser", "user_a", "user_both"},
    "org_b": {"superuser", "user_b", "user_both"},
}
# Who may change and delete which record, by their role's permissions (the others see
# it: 403, or not: 404).
WRITES = {
    "superuser": {"record_a", "record_b"},
    "user_a": {"record_a"},
    "user_b": {"record_b"},
    "user_both": {"record_a", "record_b"},
    "user_none": set(),
    "view_only": set(),
    "inactive": set(),
}


class TenancyWorld:
    """Two organizations, their users and one record in each."""

    def __init__(self, contract):
        model = contract.get_model()
        self.org_a = OrganizationFactory(name="Tenant A")
        self.org_b = OrganizationFactory(name="Tenant B")
        extra = list(contract.extra_permissions)
        self.full_role = RoleFactory(permissions=[*model_permissions(model), *extra])
        self.view_role = RoleFactory(permissions=[*model_permissions(model, "view"), *extra])
        self.users = {"superuser": UserFactory(is_superuser=True, is_staff=True)}
        for name, memberships in {
            "user_a": [(self.org_a, self.full_role, True)],
            "user_b": [(self.org_b, self.full_role, True)],
            "user_both": [(self.org_a, self.full_role, True), (self.org_b, self.full_role, True)],
            "user_none": [],
            "view_only": [(self.org_a, self.view_role, True)],
            "inactive": [(self.org_a, self.full_role, False)],
        }.items():
            user = UserFactory(username=f"tenancy_{name}")
            for organization, role, active in memberships:
                OrganizationMembershipFactory(
                    user=user, organization=organization, role=role, is_active=active
                )
            self.users[name] = user
        self.records = {
            "record_a": contract.make_record(self, self.org_a),
            "record_b": contract.make_record(self, self.org_b),
        }

    def client(self, user_name):
        """A client with a real access token: each request loads the user afresh."""
        client = APIClient()
        access = tokens_for(self.users[user_name])["access"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client


class ScopedEndpoint:
    """An organization-scoped endpoint as the contract's tests see it: what a test class
    declares about it, the hooks it may override, and the plumbing the tests share.

    A class of the family that declares no `factory` is abstract: it describes no
    endpoint and none of its tests is adapted to one.
    """

    # ----------------------------------------------------------------- declared
    basename: str  # the router basename: URLs are api-v1:<basename>-list, -detail, ...
    factory = None  # a factory_boy factory of the endpoint's model
    update_payload: dict = {}  # a valid PATCH of a record: the fields it changes
    # The payload field naming where a new record goes: its organization, or what
    # leads to it (a stock location's warehouse, an organization's parent).
    target_field: str = "organization"
    restricted_field: str | None = None  # a field of the serializer for field rules
    # Whether a record may move to another organization (False: it stays where it was
    # made, as a meeting on its organization's provider: a move is a 400).
    movable: bool = True
    # The organization is not written at all: it follows from what the record is about
    # (a comment's is its record's); one sent is ignored, as DRF ignores read-only fields.
    organization_read_only: bool = False
    # Permissions both roles of the world hold besides the model's own (a comment is
    # seen by who may view the record it is about).
    extra_permissions: tuple[str, ...] = ()
    # Who sees which record (see SEES): by default the role's view permission in its
    # organization; a user's own records are seen by that user only (a notification by
    # its recipient, superusers included).
    sees: dict[str, set[str]] = SEES
    # Who may change and delete which record (see WRITES); `role_decides_writes` False:
    # not the role's permissions (a comment's author, whatever their role).
    writes: dict[str, set[str]] = WRITES
    role_decides_writes: bool = True
    # Who may delete which record, when not the same as `writes` (a chat message: its
    # sender edits it, its room's administrators delete it too).
    deletes: dict[str, set[str]] | None = None
    # Who may create records in which organization (see CREATES): by default the add
    # permission of their role there (a chat message: whoever sees the room).
    creates: dict[str, set[str]] = CREATES
    # Whether records are created, changed and deleted through the API (False: a POST
    # to the list, a PUT or PATCH, a DELETE of a record is a 405 for everyone:
    # notifications are written by the platform, then only marked read and deleted;
    # chat rooms are archived, not deleted).
    creatable: bool = True
    updatable: bool = True
    deletable: bool = True
    # A feature a role must include (the chat): a user whose roles hold none of its
    # permissions is refused everything (403), rather than shown an empty list and
    # 404s. A user of the world without a role (WITHOUT_ROLE) is such a user.
    gated: bool = False
    # The answer to a create naming a target in an organization where the caller is not
    # a member: 400 naming `target_field` (an organization, or what leads to one, is a
    # choice among the caller's), or 404 (a comment's record is found among the records
    # the caller may see, as a record is everywhere else).
    foreign_target_status: int = 400

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.factory is None:
            return
        # A test that does not apply to this endpoint is not collected at all (rather
        # than skipped): pytest ignores attributes that are not functions.
        for name in cls.inapplicable_tests():
            setattr(cls, name, None)

    @classmethod
    def inapplicable_tests(cls) -> set[str]:
        """The names of the tests that do not apply to this endpoint (each part of the
        family adds its own, from the model's features and the view's settings)."""
        skipped = set()
        if cls.restricted_field is None:
            skipped |= {
                "test_a_hidden_field_is_left_out_for_that_role_only",
                "test_a_read_only_field_refuses_changes_naming_the_field",
            }
        if not cls.creatable:
            skipped.add("test_create_without_organization_is_refused")
        if not cls.updatable:
            skipped.add("test_moving_to_another_organization_needs_the_permission_there")
        if not cls.sees["view_only"]:  # a role does not decide who sees what
            skipped.add("test_a_role_change_applies_from_the_next_request")
        return skipped

    # ------------------------------------------------------------------ to override
    def create_payload(self, world, organization) -> dict:
        """A valid payload creating a record in `organization`."""
        raise NotImplementedError

    def make_record(self, world, organization):
        """The world's record in `organization` (`record_a`, `record_b`)."""
        return self.factory(organization=organization)

    @classmethod
    def get_model(cls):
        """The endpoint's model (the factory's)."""
        return cls.factory._meta.model

    def search_term(self, record) -> str:
        """A term the endpoint's search finds `record` by."""
        return str(record)

    def changed_value(self, current):
        """Another valid value of `restricted_field` than `current`."""
        return f"{current or ''} (changed)"

    def refused(self, user: str) -> bool:
        """Whether `user` of the world is refused everything (see `gated`)."""
        return self.gated and user in WITHOUT_ROLE

    def author_of(self, record):
        """Who created `record` (a chat message: its sender)."""
        return record.created_by

    def editor_of(self, record):
        """Who last changed `record`."""
        return record.updated_by

    def assert_removed(self, record, client) -> None:
        """Assert that `record`, deleted through the API by `client`'s user, is gone: by
        default its row, and a read of it is a 404 (a comment overrides: deleted, it
        keeps its place in its thread)."""
        assert not type(record)._default_manager.filter(pk=record.pk).exists()
        assert client.get(self.detail_url(record)).status_code == 404

    # ------------------------------------------------------------------- plumbing
    @pytest.fixture
    def world(self, db):
        return TenancyWorld(self)

    @classmethod
    def view_class(cls):
        """The viewset serving the endpoint's list route."""
        return resolve(reverse(f"api-v1:{cls.basename}-list")).func.cls

    @classmethod
    def features(cls):
        """The model's features in the registry (core.registry)."""
        return registry.get(cls.get_model())

    def list_url(self):
        return reverse(f"api-v1:{self.basename}-list")

    # How a create is sent: "json", or "multipart" for an upload (where an object in
    # the payload, custom fields, goes as JSON text).
    create_format = "json"

    def post_create(self, client, payload):
        if self.create_format == "multipart":
            payload = {
                key: json.dumps(value) if isinstance(value, dict) else value
                for key, value in payload.items()
            }
        return client.post(self.list_url(), payload, format=self.create_format)

    def detail_url(self, record):
        return reverse(f"api-v1:{self.basename}-detail", args=[getattr(record, "pk", record)])

    def action_url(self, record, action):
        """The URL of a detail action (`history`, `available-transitions`, ...)."""
        return reverse(f"api-v1:{self.basename}-{action}", args=[getattr(record, "pk", record)])

    def listed_ids(self, response):
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    def assert_created_in(self, record, organization) -> None:
        """Assert that `record`, made by a POST of `create_payload(world, organization)`,
        belongs to `organization` (organizations override: they are created under it)."""
        assert self.organization_id_of(record) == organization.pk

    def assert_created_by(self, record, user, world) -> None:
        """What else a create by `user` leaves (organizations: the creator's membership)."""

    def organization_id_of(self, record):
        """The id of the organization `record` belongs to, by the model's organization
        path in the registry ("pk" for an organization itself)."""
        path = registry.organization_path(type(record))
        return type(record)._default_manager.filter(pk=record.pk).values_list(path, flat=True).get()


class TenancyMatrix(ScopedEndpoint):
    """The tenancy rules over HTTP, for each kind of user of the world."""

    # ---------------------------------------------------------------------- reads
    def test_anonymous_is_refused(self, world):
        assert APIClient().get(self.list_url()).status_code == 401
        assert APIClient().get(self.detail_url(world.records["record_a"])).status_code == 401

    @pytest.mark.parametrize("user", USERS)
    def test_list_shows_only_the_callers_organizations(self, world, user):
        response = world.client(user).get(self.list_url(), {"page_size": 100})
        if self.refused(user):
            assert response.status_code == 403, response.content
            return
        listed = self.listed_ids(response)
        for name, record in world.records.items():
            assert (record.pk in listed) == (name in self.sees[user]), (user, name)

    @pytest.mark.parametrize("user", USERS)
    @pytest.mark.parametrize("record", ["record_a", "record_b"])
    def test_retrieve_is_404_outside_the_callers_organizations(self, world, user, record):
        response = world.client(user).get(self.detail_url(world.records[record]))
        if self.refused(user):
            assert response.status_code == 403, response.content
        else:
            assert response.status_code == (200 if record in self.sees[user] else 404)

    def test_filters_and_search_do_not_reach_other_organizations(self, world):
        client = world.client("user_a")
        record_b = world.records["record_b"]
        for query in (
            {"organization": world.org_b.pk},
            {"search": self.search_term(record_b)},
            {"ordering": "-created_at"},
        ):
            listed = self.listed_ids(client.get(self.list_url(), {**query, "page_size": 100}))
            assert record_b.pk not in listed, query

    # --------------------------------------------------------------------- writes
    @pytest.mark.parametrize("user", USERS)
    @pytest.mark.parametrize("target", ["org_a", "org_b"])
    def test_create_needs_the_add_permission_in_the_target(self, world, user, target):
        organization = getattr(world, target)
        model = self.get_model()
        before = model.objects.count()
        response = self.post_create(world.client(user), self.create_payload(world, organization))
        if not self.creatable:
            assert response.status_code == 405, response.content
            assert model.objects.count() == before
            return
        if user in self.creates[target]:
            assert response.status_code == 201, response.content
            assert model.objects.count() == before + 1
            created = model.objects.get(pk=response.json()["id"])
            self.assert_created_in(created, organization)
            assert self.author_of(created) == world.users[user]
            self.assert_created_by(created, world.users[user], world)
            return
        if not self.refused(user) and any(user in users for users in self.creates.values()):
            # May add in another organization; this one is reported like one that does
            # not exist.
            assert response.status_code == self.foreign_target_status, response.content
            if self.foreign_target_status == 400:
                assert self.target_field in response.json()
        else:
            # May add nowhere.
            assert response.status_code == 403, response.content
        assert model.objects.count() == before

    def test_create_without_organization_is_refused(self, world):
        payload = self.create_payload(world, world.org_a)
        payload.pop(self.target_field)
        response = self.post_create(world.client("user_a"), payload)
        assert response.status_code == 400
        assert self.target_field in response.json()

    def write_refusal(
        self, user: str, record: str, supported: bool, writes: dict | None = None
    ) -> int | None:
        """The status refusing a change or deletion (`supported` by the endpoint or not)
        of `record` by `user`, or None when it goes through (by `writes`, `self.writes`
        unless given): 403 for a gated feature or a record seen but not theirs to write,
        404 for one not seen, 405 for a write the endpoint does not have."""
        if self.refused(user):
            return 403
        if not supported:
            return 405
        if record in (writes or self.writes)[user]:
            return None
        return 403 if record in self.sees[user] else 404

    @pytest.mark.parametrize("user", USERS)
    @pytest.mark.parametrize("record", ["record_a", "record_b"])
    def test_update_needs_the_change_permission(self, world, user, record):
        target = world.records[record]
        stored = type(target).objects.filter(pk=target.pk).values().get()
        response = world.client(user).patch(
            self.detail_url(target), self.update_payload, format="json"
        )
        refusal = self.write_refusal(user, record, self.updatable)
        if refusal is None:
            assert response.status_code == 200, response.content
            target.refresh_from_db()
            assert self.editor_of(target) == world.users[user]
        else:
            assert response.status_code == refusal, response.content
            assert type(target).objects.filter(pk=target.pk).values().get() == stored

    @pytest.mark.parametrize("user", USERS)
    @pytest.mark.parametrize("record", ["record_a", "record_b"])
    def test_delete_needs_the_delete_permission(self, world, user, record):
        target = world.records[record]
        stored = type(target).objects.filter(pk=target.pk).values().get()
        client = world.client(user)
        response = client.delete(self.detail_url(target))
        refusal = self.write_refusal(user, record, self.deletable, self.deletes)
        if refusal is None:
            assert response.status_code == 204, response.content
            self.assert_removed(target, client)
        else:
            assert response.status_code == refusal, response.content
            assert type(target).objects.filter(pk=target.pk).values().get() == stored

    def test_moving_to_another_organization_needs_the_permission_there(self, world):
        record = world.records["record_a"]
        if self.organization_read_only:
            # A writer of the record sending another organization changes nothing.
            writer = next(user for user in USERS if "record_a" in self.writes[user])
            response = world.client(writer).patch(
                self.detail_url(record), {"organization": world.org_b.pk}, format="json"
            )
            assert response.status_code == 200, response.content
            assert response.json()["organization"] == world.org_a.pk
            assert self.organization_id_of(record) == world.org_a.pk
            return
        if not self.movable:
            # A record that stays in its organization: a move is a 400, even for
            # user_both, who may change records in both.
            response = world.client("user_both").patch(
                self.detail_url(record), {"organization": world.org_b.pk}, format="json"
            )
            assert response.status_code == 400, response.content
            assert "organization" in response.json()
            record.refresh_from_db()
            assert record.organization_id == world.org_a.pk
            return
        # user_a is not a member of B: B is reported like an unknown organization.
        response = world.client("user_a").patch(
            self.detail_url(record), {"organization": world.org_b.pk}, format="json"
        )
        assert response.status_code == 400
        # view_only, given the full role in B, still may not change records in A: moving
        # B's record to A is refused, and nothing moves.
        OrganizationMembershipFactory(
            user=world.users["view_only"], organization=world.org_b, role=world.full_role
        )
        response = world.client("view_only").patch(
            self.detail_url(world.records["record_b"]),
            {"organization": world.org_a.pk},
            format="json",
        )
        assert response.status_code == 403
        # user_both holds the change permission in both.
        response = world.client("user_both").patch(
            self.detail_url(record), {"organization": world.org_b.pk}, format="json"
        )
        assert response.status_code == 200, response.content
        record.refresh_from_db()
        assert record.organization_id == world.org_b.pk

    # ------------------------------------------------------------- role changes
    def test_a_role_change_applies_from_the_next_request(self, world):
        client = world.client("view_only")
        record = world.records["record_a"]
        membership = world.users["view_only"].organization_memberships.get()
        if self.role_decides_writes:
            assert (
                client.patch(
                    self.detail_url(record), self.update_payload, format="json"
                ).status_code
                == 403
            )
            membership.role = world.full_role
            membership.save()
            assert (
                client.patch(
                    self.detail_url(record), self.update_payload, format="json"
                ).status_code
                == 200
            )
        else:
            assert client.get(self.detail_url(record)).status_code == 200
        membership.is_active = False
        membership.save()
        # Without an active membership: a record unknown (or, gated, no access at all).
        assert client.get(self.detail_url(record)).status_code == (403 if self.gated else 404)

    # --------------------------------------------------------- field-level rules
    def _rule(self, world, **access):
        return FieldPermission.objects.create(
            role=world.full_role,
            content_type=ContentType.objects.get_for_model(self.get_model()),
            field_name=self.restricted_field,
            **access,
        )

    def test_a_hidden_field_is_left_out_for_that_role_only(self, world):
        self._rule(world, can_read=False, can_write=False)
        record = world.records["record_a"]
        hidden = world.client("user_a").get(self.detail_url(record)).json()
        assert self.restricted_field not in hidden
        listed = world.client("user_a").get(self.list_url()).json()["results"]
        assert all(self.restricted_field not in row for row in listed)
        # view_only has another role; the superuser has no role.
        assert (
            self.restricted_field in world.client("view_only").get(self.detail_url(record)).json()
        )
        assert (
            self.restricted_field in world.client("superuser").get(self.detail_url(record)).json()
        )

    def test_a_read_only_field_refuses_changes_naming_the_field(self, world):
        self._rule(world, can_read=True, can_write=False)
        record = world.records["record_a"]
        client = world.client("user_a")
        current = client.get(self.detail_url(record)).json()[self.restricted_field]
        response = client.patch(
            self.detail_url(record),
            {self.restricted_field: self.changed_value(current)},
            format="json",
        )
        assert response.status_code == 403
        assert self.restricted_field in response.json()["fields"]
        # Sending it unchanged (a PUT-like echo) is allowed.
        response = client.patch(
            self.detail_url(record), {self.restricted_field: current}, format="json"
        )
        assert response.status_code == 200, response.content
        # The rule is the role's in A: in B the same user (user_both) may write it.
        record_b = world.records["record_b"]
        other_role = RoleFactory(permissions=model_permissions(self.get_model()))
        world.users["user_both"].organization_memberships.filter(organization=world.org_b).update(
            role=other_role
        )
        response = world.client("user_both").patch(
            self.detail_url(record_b),
            {self.restricted_field: self.changed_value(current)},
            format="json",
        )
        assert response.status_code == 200, response.content
