"""/api/v1/auth/api-keys/: users list, create and revoke their own API keys; read-only
keys; when a key was last used."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.auth.websocket import TokenAuthMiddleware
from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory, UnitOfMeasureFactory
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from audit.choices import AuditAction
from audit.models import AuditLog

from ..helpers import ME_URL

pytestmark = pytest.mark.django_db

KEYS_URL = "/api/v1/auth/api-keys/"
PRODUCTS_URL = "/api/v1/products/"
FIELDS = {
    "prefix",
    "name",
    "created",
    "expiry_date",
    "revoked",
    "read_only",
    "last_used_at",
    "has_expired",
}


def key_url(prefix, action=None) -> str:
    return f"{KEYS_URL}{prefix}/" + (f"{action}/" if action else "")


def with_key(api_client, key):
    api_client.credentials(HTTP_X_API_KEY=key)
    return api_client


def events(action, prefix=None):
    rows = AuditLog.objects.filter(action_type=action)
    return list(rows.filter(object_id=prefix) if prefix else rows)


@pytest.fixture
def client(jwt_client, user):
    """The user, logged in with a JWT."""
    return jwt_client(user)


@pytest.fixture
def create(client, django_capture_on_commit_callbacks):
    """create(**body) -> the response of POST api-keys/ (after-commit work run)."""

    def post(**body):
        body.setdefault("name", "CI pipeline")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(KEYS_URL, body, format="json")

    return post


@pytest.fixture
def revoke(client, django_capture_on_commit_callbacks):
    """revoke(prefix, via="delete"|"action") -> the response."""

    def send(prefix, via="delete"):
        with django_capture_on_commit_callbacks(execute=True):
            if via == "delete":
                return client.delete(key_url(prefix))
            return client.post(key_url(prefix, "revoke"))

    return send


# ---------------------------------------------------------------------------- list
class TestList:
    def test_only_my_keys_newest_first(self, client, user, api_key_for):
        older, _key = api_key_for(user, name="older")
        newer, _key = api_key_for(user, name="newer")
        UserAPIKey.objects.filter(pk=older.pk).update(created=timezone.now() - timedelta(days=1))
        api_key_for(UserFactory(), name="someone else's")

        response = client.get(KEYS_URL)

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [row["prefix"] for row in body["results"]] == [newer.prefix, older.prefix]
        assert set(body["results"][0]) == FIELDS

    def test_never_the_key_nor_its_hash(self, client, user, api_key_for):
        api_key, key = api_key_for(user)
        secret = key.partition(".")[2]

        for response in (client.get(KEYS_URL), client.get(key_url(api_key.prefix))):
            assert response.status_code == 200
            content = response.content.decode()
            assert secret not in content
            assert api_key.hashed_key not in content
            assert '"key"' not in content
            assert '"id"' not in content

    def test_the_fields(self, client, user, api_key_for):
        expiry = timezone.now() - timedelta(hours=1)
        api_key, _key = api_key_for(user, name="Old job", read_only=True, expiry_date=expiry)

        body = client.get(key_url(api_key.prefix)).json()

        assert body["name"] == "Old job"
        assert body["read_only"] is True
        assert body["revoked"] is False
        assert body["has_expired"] is True
        assert body["last_used_at"] is None
        assert body["expiry_date"] is not None

    @pytest.mark.parametrize(("value", "expected"), [("true", ["gone"]), ("false", ["live"])])
    def test_filter_by_revoked(self, client, user, api_key_for, value, expected):
        api_key_for(user, name="gone", revoked=True)
        api_key_for(user, name="live")

        response = client.get(KEYS_URL, {"revoked": value})

        assert [row["name"] for row in response.json()["results"]] == expected

    def test_a_revoked_filter_that_is_not_a_boolean(self, client):
        response = client.get(KEYS_URL, {"revoked": "perhaps"})

        assert response.status_code == 400
        assert "revoked" in response.json()

    def test_constant_query_count(self, client, user, api_key_for):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(KEYS_URL).status_code == 200
            return len(captured)

        api_key_for(user)
        one = queries()
        for _n in range(4):
            api_key_for(user)
        assert queries() == one


# -------------------------------------------------------------------------- create
class TestCreate:
    def test_the_key_is_shown_once_and_authenticates_as_me(self, create, user, api_client):
        response = create(name="CI pipeline")

        assert response.status_code == 201
        body = response.json()
        assert set(body) == {*FIELDS, "key"}
        assert body["name"] == "CI pipeline"
        assert body["read_only"] is False
        assert body["revoked"] is False
        assert body["expiry_date"] is None
        assert body["key"].startswith(body["prefix"] + ".")
        api_key = UserAPIKey.objects.get(prefix=body["prefix"])
        assert api_key.user == user
        assert body["key"].partition(".")[2] not in api_key.hashed_key
        me = with_key(api_client, body["key"]).get(ME_URL)
        assert me.status_code == 200
        assert me.json()["user"]["id"] == user.pk

    def test_with_an_expiry_date_and_read_only(self, create):
        expiry = timezone.now() + timedelta(days=30)

        response = create(name="Reports", expiry_date=expiry.isoformat(), read_only=True)

        assert response.status_code == 201
        api_key = UserAPIKey.objects.get(prefix=response.json()["prefix"])
        assert api_key.read_only is True
        assert api_key.expiry_date == expiry

    @pytest.mark.parametrize(
        "expiry",
        [timedelta(seconds=-1), timedelta(days=-365)],
    )
    def test_an_expiry_date_in_the_past(self, create, expiry):
        response = create(expiry_date=(timezone.now() + expiry).isoformat())

        assert response.status_code == 400
        assert list(response.json()) == ["expiry_date"]
        assert not UserAPIKey.objects.exists()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "x" * 51}, "name"),
            ({"name": 123}, "name"),
            ({"name": "ok", "read_only": "perhaps"}, "read_only"),
            ({"name": "ok", "expiry_date": "tomorrow"}, "expiry_date"),
            ({"name": "ok", "expiry_date": "9999-12-31T23:59:59-23:59"}, "expiry_date"),
        ],
    )
    def test_invalid_input(self, client, body, field):
        response = client.post(KEYS_URL, body, format="json")

        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert not UserAPIKey.objects.exists()

    def test_the_name_is_required(self, client):
        response = client.post(KEYS_URL, {}, format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["name"]

    def test_fifty_characters_are_allowed(self, create):
        assert create(name="x" * 50).status_code == 201

    def test_the_limit(self, create, user, api_key_for, settings):
        settings.API_KEY_MAX_PER_USER = 2
        api_key_for(user)
        api_key_for(user)
        # Keys that no longer work do not count.
        api_key_for(user, revoked=True)
        api_key_for(user, expiry_date=timezone.now() - timedelta(days=1))

        response = create()

        assert response.status_code == 400
        assert response.json()["code"] == "api_key_limit"
        assert "2" in response.json()["detail"]
        assert UserAPIKey.objects.filter(user=user).count() == 4
        assert events(AuditAction.API_KEY_CREATE) == []

    def test_the_limit_is_per_user(self, create, user, api_key_for, settings):
        settings.API_KEY_MAX_PER_USER = 1
        api_key_for(UserFactory())

        assert create().status_code == 201
        assert create().status_code == 400

    def test_audited_and_emailed(self, create, user):
        response = create(name="Nightly export")

        prefix = response.json()["prefix"]
        (event,) = events(AuditAction.API_KEY_CREATE)
        assert event.user_id == user.pk
        assert event.object_id == prefix
        assert event.context["api_key"] == f"Nightly export ({prefix})"
        assert event.context["ip_address"] == "127.0.0.1"
        (message,) = mail.outbox
        assert message.to == [user.email]
        assert str(AuditAction.API_KEY_CREATE.label) in message.subject
        assert f"Nightly export ({prefix})" in message.body
        assert response.json()["key"] not in message.body

    def test_the_key_is_not_in_the_audit_log(self, create):
        key = create().json()["key"]
        secret = key.partition(".")[2]

        for row in AuditLog.objects.all():
            assert secret not in str(row.context)
            assert secret not in str(row.changes)


# ---------------------------------------------------------------- retrieve, revoke
class TestRetrieve:
    def test_my_key(self, client, user, api_key_for):
        api_key, _key = api_key_for(user, name="Mine")

        response = client.get(key_url(api_key.prefix))

        assert response.status_code == 200
        assert response.json()["prefix"] == api_key.prefix
        assert response.json()["name"] == "Mine"

    def test_an_unknown_prefix(self, client):
        assert client.get(key_url("nope1234")).status_code == 404


class TestRevoke:
    @pytest.mark.parametrize("via", ["delete", "action"])
    def test_the_key_is_refused_from_then_on(self, revoke, user, api_key_for, api_client, via):
        api_key, key = api_key_for(user)
        assert with_key(api_client, key).get(ME_URL).status_code == 200

        response = revoke(api_key.prefix, via=via)

        if via == "delete":
            assert response.status_code == 204
        else:
            assert response.status_code == 200
            assert response.json()["prefix"] == api_key.prefix
            assert response.json()["revoked"] is True
        api_key.refresh_from_db()
        assert api_key.revoked is True
        refused = api_client.get(ME_URL)
        assert refused.status_code == 401
        assert refused.json()["code"] == "api_key_revoked"

    def test_the_revoked_key_stays_listed(self, revoke, client, user, api_key_for):
        api_key, _key = api_key_for(user)

        revoke(api_key.prefix)

        (row,) = client.get(KEYS_URL).json()["results"]
        assert row["prefix"] == api_key.prefix
        assert row["revoked"] is True

    @pytest.mark.parametrize("via", ["delete", "action"])
    def test_audited_and_emailed_once(self, revoke, user, api_key_for, via):
        api_key, _key = api_key_for(user, name="Old connector")

        first = revoke(api_key.prefix, via=via)
        again = revoke(api_key.prefix, via=via)

        assert first.status_code == again.status_code == (204 if via == "delete" else 200)
        (event,) = events(AuditAction.API_KEY_REVOKE, api_key.prefix)
        assert event.user_id == user.pk
        assert event.context["api_key"] == f"Old connector ({api_key.prefix})"
        assert event.context["ip_address"] == "127.0.0.1"
        (message,) = mail.outbox
        assert message.to == [user.email]
        assert "revoked" in message.body

    def test_a_key_revoked_in_the_admin(self, revoke, user, api_key_for):
        api_key, _key = api_key_for(user, revoked=True)

        assert revoke(api_key.prefix).status_code == 204
        assert events(AuditAction.API_KEY_REVOKE) == []
        assert mail.outbox == []


# ------------------------------------------------------------------ others' keys
class TestAnotherUsersKey:
    @pytest.fixture
    def theirs(self, api_key_for):
        return api_key_for(UserFactory())

    @pytest.mark.parametrize(
        ("method", "action"), [("get", None), ("delete", None), ("post", "revoke")]
    )
    def test_is_not_found(self, client, theirs, api_client, method, action):
        api_key, key = theirs

        response = getattr(client, method)(key_url(api_key.prefix, action))

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        api_key.refresh_from_db()
        assert api_key.revoked is False
        assert with_key(api_client, key).get(ME_URL).status_code == 200
        assert events(AuditAction.API_KEY_REVOKE) == []

    def test_answers_as_an_unknown_prefix_does(self, client, theirs):
        api_key, _key = theirs

        mine = client.get(key_url(api_key.prefix))
        unknown = client.get(key_url("zzzzzzzz"))

        assert (mine.status_code, mine.json()) == (unknown.status_code, unknown.json())


# -------------------------------------------------------------------- who may call
class TestOnlyAUserLogin:
    @pytest.mark.parametrize(
        ("method", "action", "detail"),
        [
            ("get", None, False),
            ("post", None, False),
            ("get", None, True),
            ("delete", None, True),
            ("post", "revoke", True),
        ],
    )
    def test_an_api_key_cannot_manage_keys(
        self, api_client, user, api_key_for, method, action, detail
    ):
        api_key, key = api_key_for(user)
        url = key_url(api_key.prefix, action) if detail else KEYS_URL

        response = getattr(with_key(api_client, key), method)(url, {"name": "x"}, format="json")

        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        api_key.refresh_from_db()
        assert api_key.revoked is False
        assert UserAPIKey.objects.count() == 1

    def test_anonymous(self, api_client):
        assert api_client.get(KEYS_URL).status_code == 401
        assert api_client.post(KEYS_URL, {"name": "x"}, format="json").status_code == 401


# --------------------------------------------------------------- what a key may do
@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def member_with(organization):
    """member_with(*verbs) -> a user whose role in the organization has those product
    permissions."""

    def make(*verbs):
        member = UserFactory()
        role = RoleFactory(permissions=model_permissions(Product, *verbs))
        OrganizationMembershipFactory(user=member, organization=organization, role=role)
        return member

    return make


@pytest.fixture
def product_payload(organization):
    CategoryFactory(name="Tools", category_type=CategoryType.PRODUCT)
    UnitOfMeasureFactory(code="EA")
    return {
        "organization": organization.pk,
        "name": "Hammer",
        "sku": "HAM-1",
        "product_type": "PHYSICAL_GOOD",
        "base_uom": "EA",
    }


class TestAKeyActsAsItsUser:
    def test_no_more_than_the_user_may(self, api_client, api_key_for, member_with, product_payload):
        _api_key, key = api_key_for(member_with("view"))

        response = with_key(api_client, key).post(PRODUCTS_URL, product_payload, format="json")

        assert response.status_code == 403
        assert not Product.objects.exists()

    def test_what_the_user_may(self, api_client, api_key_for, member_with, product_payload):
        _api_key, key = api_key_for(member_with("view", "add"))

        response = with_key(api_client, key).post(PRODUCTS_URL, product_payload, format="json")

        assert response.status_code == 201, response.content
        assert Product.objects.get().name == "Hammer"


class TestReadOnlyKeys:
    @pytest.fixture
    def setup(self, api_client, api_key_for, member_with, organization):
        member = member_with("view", "add", "change", "delete")
        product = ProductFactory(organization=organization, name="Anvil")
        api_key, key = api_key_for(member, read_only=True)
        return with_key(api_client, key), product, api_key

    def test_reads(self, setup):
        client, product, _api_key = setup

        assert client.get(f"{PRODUCTS_URL}{product.pk}/").status_code == 200
        assert client.get(PRODUCTS_URL).status_code == 200
        assert client.head(ME_URL).status_code == 200
        assert client.options(ME_URL).status_code == 200

    @pytest.mark.parametrize(
        ("method", "on_product", "body"),
        [
            ("post", False, None),
            ("put", True, {"name": "Renamed"}),
            ("patch", True, {"name": "Renamed"}),
            ("delete", True, None),
        ],
    )
    def test_writes_are_refused_and_nothing_is_written(
        self, setup, product_payload, method, on_product, body
    ):
        client, product, api_key = setup
        url = f"{PRODUCTS_URL}{product.pk}/" if on_product else PRODUCTS_URL
        audit_rows = AuditLog.objects.count()

        response = getattr(client, method)(url, body or product_payload, format="json")

        assert response.status_code == 403
        assert response.json()["code"] == "api_key_read_only"
        assert list(Product.objects.values_list("name", flat=True)) == ["Anvil"]
        assert AuditLog.objects.count() == audit_rows
        api_key.refresh_from_db()
        assert api_key.last_used_at is None

    def test_on_every_view(self, setup):
        client, _product, _api_key = setup

        response = client.patch(ME_URL, {"job_title": "Boss"}, format="json")

        assert response.status_code == 403
        assert response.json()["code"] == "api_key_read_only"

    def test_a_read_only_key_created_over_the_api(self, create, api_client):
        key = create(read_only=True).json()["key"]
        client = with_key(api_client, key)

        assert client.get(ME_URL).status_code == 200
        refused = client.patch(ME_URL, {"job_title": "Boss"}, format="json")
        assert refused.status_code == 403
        assert refused.json()["code"] == "api_key_read_only"


# ----------------------------------------------------------------------- last use
def _key_updates(captured) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("UPDATE") and UserAPIKey._meta.db_table in query["sql"]
    ]


class TestLastUsed:
    def test_set_on_first_use_and_not_rewritten_within_the_minute(
        self, api_client, user, api_key_for
    ):
        api_key, key = api_key_for(user)
        client = with_key(api_client, key)
        before = timezone.now()

        with CaptureQueriesContext(connection) as first:
            assert client.get(ME_URL).status_code == 200
        api_key.refresh_from_db()
        used = api_key.last_used_at
        assert used is not None
        assert used >= before
        assert len(_key_updates(first)) == 1

        with CaptureQueriesContext(connection) as again:
            assert client.get(ME_URL).status_code == 200
        assert _key_updates(again) == []
        api_key.refresh_from_db()
        assert api_key.last_used_at == used

    def test_written_again_after_a_minute(self, api_client, user, api_key_for):
        api_key, key = api_key_for(user)
        stale = timezone.now() - timedelta(minutes=2)
        UserAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=stale)

        assert with_key(api_client, key).get(ME_URL).status_code == 200

        api_key.refresh_from_db()
        assert api_key.last_used_at > stale + timedelta(minutes=1)

    def test_not_written_by_refused_keys(self, api_client, user, api_key_for):
        api_key, key = api_key_for(user, revoked=True)

        assert with_key(api_client, key).get(ME_URL).status_code == 401

        api_key.refresh_from_db()
        assert api_key.last_used_at is None

    def test_shown_in_the_list(self, client, api_client, user, api_key_for):
        _api_key, key = api_key_for(user)
        with_key(api_client, key).get(ME_URL)

        (row,) = client.get(KEYS_URL).json()["results"]

        assert row["last_used_at"] is not None


# database_sync_to_async closes the connection of a test transaction: real transactions.
@pytest.mark.django_db(transaction=True)
class TestWebSocket:
    def test_a_connection_uses_the_key_and_carries_it(self, user, api_key_for):
        api_key, key = api_key_for(user, read_only=True)
        seen = {}

        async def inner(scope, receive, send):
            seen.update(scope)

        middleware = TokenAuthMiddleware(inner)
        scope = {"type": "websocket", "headers": [(b"x-api-key", key.encode())]}
        async_to_sync(middleware)(scope, None, None)

        assert seen["user"] == user
        assert seen["api_key"].pk == api_key.pk
        assert seen["api_key"].read_only is True
        api_key.refresh_from_db()
        assert api_key.last_used_at is not None

    def test_a_connection_without_a_key(self, user):
        seen = {}

        async def inner(scope, receive, send):
            seen.update(scope)

        async_to_sync(TokenAuthMiddleware(inner))({"type": "websocket"}, None, None)

        assert seen["api_key"] is None
        assert not seen["user"].is_authenticated
