"""The fixtures every test package shares, as one pytest plugin (registered by the root
conftest.py: `pytest_plugins = ["tests.plugin"]`).

A conftest.py of an app keeps only what is its own (its roles, its records); a fixture
it defines with the name of one here wins inside that package (rbac and core keep their
permission-based `member`, see rbac/tests/fixtures.py).

- isolation: every test starts with an empty cache, its own media folder, its own
  channel layer and no current request or user (crum);
- users and clients: `user`, `password`, `superuser`, `api_client` (anonymous),
  `jwt_client(user)`, `auth_client`, `superuser_client`, `api_key_for`, `totp_code`;
- tenants: `org_a` (Acme) and `org_b` (Globex), also named `org` and `other_org`;
- members: `member(organization, role)`, `member_of(organization, "Organization
  Administrator")` (a default role), `manager` / `manager_client` (a user holding the
  package's `manager_role` in `org`);
- `fresh(user)` and `grant_global(user, *perms)`.
"""

import crum
import pytest
from channels.layers import channel_layers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    permissions_named,
)
from api.v1.base_models.user.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.clamd import clamd  # noqa: F401  (the clamd fixture)
from tests.elasticsearch import (  # noqa: F401  (the stand-in Elasticsearch)
    elasticsearch,
    elasticsearch_server,
)
from tests.s3 import s3_server, s3_storage  # noqa: F401  (the local S3 server)


# ------------------------------------------------------------------------- isolation
@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    """Throttle counters and challenges live in the cache; uploads go to a temporary folder."""
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_current_request():
    """crum's middleware forgets the request when the response or an Exception leaves
    it, not when a BaseException does (a test's killed worker): the next test must not
    write as that request's user. Such a request is closed too, as its response would
    have closed it (its uploads' temporary files, else finalized at some later point of
    the run)."""
    yield
    request = crum.get_current_request()
    if request is not None:
        request.close()
    crum.set_current_request(None)  # and no user (crum)


@pytest.fixture(autouse=True)
def _own_channel_layer():
    """Each test gets a channel layer of its own: the Redis layer binds its receive lock
    to the event loop of the test that first received, and each async test has a loop
    of its own (a connection a test left open must not break the next one)."""
    yield
    channel_layers.backends.clear()


# ------------------------------------------------------------------ users and clients
@pytest.fixture
def received():
    """The model change events (core.events) delivered during the test, in order."""
    from core import events

    found = []
    events.subscribe(found.append)
    yield found
    events.unsubscribe(found.append)


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def superuser(db):
    """A superuser (and staff) named root, a member of no organization."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def api_client():
    """A client without credentials."""
    return APIClient()


@pytest.fixture
def jwt_client():
    """jwt_client(user) -> an APIClient sending a real access token of that user."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
        return client

    return make


@pytest.fixture
def auth_client(jwt_client, user):
    return jwt_client(user)


@pytest.fixture
def superuser_client(jwt_client, superuser):
    return jwt_client(superuser)


@pytest.fixture
def api_key_for(db):
    """api_key_for(user, **fields) -> (UserAPIKey, plaintext key)."""

    def make(user, **fields):
        fields.setdefault("name", "Test integration")
        return UserAPIKey.objects.create_key(user=user, **fields)

    return make


@pytest.fixture
def totp_code():
    """totp_code(device, steps=0) -> the code the authenticator app shows (steps ahead)."""

    def make(device, steps=0):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = totp.time + steps * device.step
        return f"{totp.token():0{device.digits}d}"

    return make


# --------------------------------------------------------------------------- tenants
@pytest.fixture
def org_a(db):
    """The tenant of the test's users."""
    return OrganizationFactory(name="Acme", code="ACME")


@pytest.fixture
def org_b(db):
    """A second, unrelated organization (another tenant, another tree)."""
    return OrganizationFactory(name="Globex", code="GLOBEX")


@pytest.fixture
def org(org_a):
    """`org_a`, by the name the packages with one tenant of interest use."""
    return org_a


@pytest.fixture
def other_org(org_b):
    """`org_b`, by the name the packages with one tenant of interest use."""
    return org_b


# --------------------------------------------------------------------------- members
@pytest.fixture
def member(db):
    """member(organization, role, user=None, is_active=True) -> the user (a new one
    unless given), a member of `organization` with `role` (a Group)."""

    def make(organization, role, user=None, is_active=True):
        user = user or UserFactory()
        OrganizationMembershipFactory(
            user=user, organization=organization, role=role, is_active=is_active
        )
        return user

    return make


@pytest.fixture
def member_of(db):
    """member_of(organization, role name, **user fields) -> a new user with that default
    role ("Organization Administrator", "Organization Member", ...) there."""

    def make(organization, role_name, **fields):
        user = UserFactory(**fields)
        OrganizationMembershipFactory(
            user=user, organization=organization, role=Group.objects.get(name=role_name)
        )
        return user

    return make


@pytest.fixture
def manager_role():
    """The role a package's `manager` holds in `org`: each package that uses `manager`
    defines it (the permissions on its own models)."""
    pytest.fail("define a manager_role fixture to use manager or manager_client", pytrace=False)


@pytest.fixture
def manager(org, manager_role, member):
    """A user named manager whose role in `org` is the package's `manager_role` (no
    global permissions)."""
    return member(org, manager_role, user=UserFactory(username="manager"))


@pytest.fixture
def manager_client(jwt_client, manager):
    return jwt_client(manager)


# ------------------------------------------------------------------------ permissions
@pytest.fixture
def fresh():
    """fresh(user) -> the same user loaded anew from the database (empty caches)."""
    return lambda user: get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def grant_global():
    """grant_global(user, *perms) -> the user reloaded with Django (global) permissions."""

    def grant(user, *perms):
        user.user_permissions.add(*permissions_named(*perms))
        return get_user_model().objects.get(pk=user.pk)

    return grant


@pytest.fixture
def retries_run_inline():
    """Eager tasks that retry run again at once (without the delay), as a worker would
    run them later: Celery does so when eager tasks do not propagate their exceptions."""
    from config.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates
