"""Model change events (core.events): one per created, updated, deleted or transitioned
record, after the commit, from the audit app's snapshots."""

import logging

import pytest
from django.db import transaction

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from core import events
from core.workflows import run_transition
from tests.testapp.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    return OrganizationFactory()


def test_create_update_delete(received, organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contact = ContactFactory(organization=organization, first_name="Ada")
    with django_capture_on_commit_callbacks(execute=True):
        contact.first_name = "Grace"
        contact.save()
    pk = contact.pk
    with django_capture_on_commit_callbacks(execute=True):
        contact.delete()

    created, updated, deleted = [e for e in received if e.model == "contact.contact"]
    assert (created.action, created.pk, created.organization_id) == (
        "create",
        str(pk),
        organization.pk,
    )
    assert created.before is None
    assert created.after["first_name"] == "Ada"
    assert updated.action == "update"
    assert updated.changes == {"first_name": {"old": "Ada", "new": "Grace"}}
    assert (updated.before["first_name"], updated.after["first_name"]) == ("Ada", "Grace")
    assert updated.before["last_name"] == updated.after["last_name"]
    assert (deleted.action, deleted.after) == ("delete", None)
    assert deleted.before["first_name"] == "Grace"


def test_only_after_the_commit(received, organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        ContactFactory(organization=organization)
    assert received == []

    for callback in callbacks:
        callback()
    assert [event.model for event in received] == ["contact.contact"]


def test_nothing_for_a_rolled_back_change(received, organization):
    def create_then_fail():
        with transaction.atomic():
            ContactFactory(organization=organization)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()

    assert not Contact.objects.exists()
    assert received == []


def test_a_transition(received, organization, django_capture_on_commit_callbacks):
    ticket = Ticket.objects.create(organization=organization, title="x")
    with django_capture_on_commit_callbacks(execute=True):
        run_transition(ticket, "close")

    (event,) = [e for e in received if e.action == "transition"]
    assert event.model == "testapp.ticket"
    assert event.transition["transition"] == "close"
    assert event.changes == {"state": {"old": "open", "new": "closed"}}


def test_masked_values_stay_masked(received, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        user.set_password("a-new-secret-passphrase")
        user.save()

    (event,) = [e for e in received if e.model == "users.user"]
    assert "a-new-secret" not in repr(event)
    assert event.changes["password"]["new"] != user.password


def test_the_actor_and_request_of_an_api_change(
    received, organization, jwt_client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    role = RoleFactory(permissions=["contact.view_contact", "contact.change_contact"])
    OrganizationMembershipFactory(user=user, organization=organization, role=role)
    contact = ContactFactory(organization=organization)

    with django_capture_on_commit_callbacks(execute=True):
        response = jwt_client(user).patch(
            f"/api/v1/contacts/{contact.pk}/", {"first_name": "Changed"}
        )

    assert response.status_code == 200
    (event,) = [e for e in received if e.model == "contact.contact"]
    assert event.actor_id == user.pk
    assert event.request_id == response["X-Request-ID"]


def test_a_failing_subscriber_fails_nothing(
    received, organization, caplog, django_capture_on_commit_callbacks
):
    def broken(event):
        raise ValueError("broken subscriber")

    events.subscribe(broken)
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            contact = ContactFactory(organization=organization)
    finally:
        events.unsubscribe(broken)

    assert Contact.objects.filter(pk=contact.pk).exists()
    assert [event.model for event in received] == ["contact.contact"]
    assert "broken subscriber" in caplog.text


def test_a_subscriber_of_some_models_gets_only_theirs_and_costs_the_others_nothing(
    organization, django_capture_on_commit_callbacks
):
    from api.v1.features.products.tests.factories import ProductFactory

    got = []
    events.subscribe(got.append, models=["Products.Product"])
    try:
        # A model no feature listens to (contacts: the search does).
        with django_capture_on_commit_callbacks() as contact_callbacks:
            Ticket.objects.create(organization=organization, title="unheard")
        with django_capture_on_commit_callbacks(execute=True):
            product = ProductFactory(organization=organization)
    finally:
        events.unsubscribe(got.append)

    assert contact_callbacks == []  # no event built for a ticket
    assert [(event.model, event.pk) for event in got] == [("products.product", str(product.pk))]


def test_without_subscribers_nothing_is_queued(organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        Ticket.objects.create(organization=organization, title="unheard")

    assert callbacks == []


def test_every_registered_model_emits_them_but_the_log_and_login_sessions():
    from audit import registry as audit_registry
    from core import registry

    silent = {
        model._meta.label_lower
        for model in registry.registered_models()
        if model._meta.app_label != "testapp" and not registry.get(model).audited
    }
    # A comment's attachments are a link table, written with the comment; chat messages
    # are not audited (docs/decisions.md), nor their attachments and reactions; a
    # meeting's recordings are a link table, its webhook events a log of their own; a data
    # job's files are a link table, its failed rows a report of the job (which is audited);
    # a file's extracted text is derived from its bytes; automation logs are a log.
    assert silent == {
        "audit.auditlog",
        "authentication.authsession",
        "collaboration.commentattachment",
        "chat.chatmessage",
        "chat.chatattachment",
        "chat.chatreaction",
        "meetings.meetingrecording",
        "meetings.meetingwebhookevent",
        "data_jobs.datajobfile",
        "data_jobs.datajobrowerror",
        "files.filetext",
        "automation.automationlog",
    }
    for model in registry.models_with("audited"):
        assert audit_registry.is_audited(model), model  # its receivers emit the events


def test_an_api_key_is_named_by_its_prefix_and_its_hash_masked(
    received, django_capture_on_commit_callbacks
):
    from api.v1.base_models.auth.models import UserAPIKey

    with django_capture_on_commit_callbacks(execute=True):
        key, secret = UserAPIKey.objects.create_key(name="ci", user=UserFactory())

    (event,) = [e for e in received if e.model == "authentication.userapikey"]
    assert (event.action, event.pk) == ("create", key.prefix)
    assert key.hashed_key not in repr(event)
    assert secret not in repr(event)


def test_a_bulk_write_is_delivered_together(organization, django_capture_on_commit_callbacks):
    """audit.bulk writes many records: their events come after the commit in one
    callback; a subscriber with many=True gets them as one list, the others one by one."""
    from audit import bulk

    lists, singles = [], []

    def many(delivered):
        lists.append([event.pk for event in delivered])

    events.subscribe(many, models=["testapp.ticket"], many=True)
    events.subscribe(singles.append, models=["testapp.ticket"])
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            tickets = bulk.bulk_create(
                [Ticket(organization=organization, title=f"T{n}") for n in range(3)]
            )
        with django_capture_on_commit_callbacks(execute=True):
            Ticket.objects.create(organization=organization, title="alone")
    finally:
        events.unsubscribe(many)
        events.unsubscribe(singles.append)

    assert len(callbacks) == 1
    pks = [str(each.pk) for each in tickets]
    assert lists[0] == pks
    assert len(lists) == 2
    assert len(lists[1]) == 1  # a single save: a list of one
    assert [event.pk for event in singles[:3]] == pks
    assert [event.action for event in singles] == [events.CREATE] * 4


def test_a_rolled_back_bulk_write_delivers_nothing(
    organization, django_capture_on_commit_callbacks
):
    from audit import bulk

    got = []
    events.subscribe(got.append, models=["testapp.ticket"], many=True)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            Ticket.objects.create(organization=organization, title="kept")
            try:
                with transaction.atomic():
                    bulk.bulk_create([Ticket(organization=organization, title="gone")])
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
    finally:
        events.unsubscribe(got.append)

    assert [[event.after["title"] for event in delivered] for delivered in got] == [["kept"]]


def test_a_failing_subscriber_of_many_is_logged_with_the_count(
    organization, caplog, django_capture_on_commit_callbacks
):
    from audit import bulk

    def broken(delivered):
        raise ValueError("broken")

    events.subscribe(broken, models=["testapp.ticket"], many=True)
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            bulk.bulk_create([Ticket(organization=organization, title=f"T{n}") for n in range(3)])
    finally:
        events.unsubscribe(broken)

    assert Ticket.objects.count() == 3
    assert "(and 2 other events)" in caplog.text


def test_a_subscriber_whose_models_change_is_asked_once_per_delivery(
    organization, django_capture_on_commit_callbacks
):
    from audit import bulk

    asked, got = [], []

    def models():
        asked.append(1)
        return frozenset({"testapp.ticket"})

    events.subscribe(got.append, models=models)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            bulk.bulk_create([Ticket(organization=organization, title=f"T{n}") for n in range(20)])
    finally:
        events.unsubscribe(got.append)

    assert len(got) == 20
    assert len(asked) <= 3  # whether to build the events, to queue them, to deliver them


def test_many_events_wait_for_the_commit_packed_and_arrive_intact(
    organization, django_capture_on_commit_callbacks, monkeypatch
):
    from audit import bulk

    got = []
    packed = []
    unpack = events._deliver_packed
    monkeypatch.setattr(events, "_deliver_packed", lambda data: packed.append(data) or unpack(data))
    events.subscribe(got.append, models=["testapp.ticket"], many=True)
    count = 30
    monkeypatch.setattr(events, "HELD_UNPACKED", count - 1)
    try:
        for _packing in (True, False):
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                bulk.bulk_create(
                    [Ticket(organization=organization, title=f"{n}") for n in range(count)]
                )
            monkeypatch.setattr(events, "HELD_UNPACKED", 10**9)
    finally:
        events.unsubscribe(got.append)

    assert len(packed) == 1
    assert isinstance(packed[0], bytes)
    assert [len(delivered) for delivered in got] == [count, count]

    def comparable(delivered):
        return [
            (event.action, event.model, event.after["title"], event.changes, event.actor_id)
            for event in delivered
        ]

    assert comparable(got[0]) == comparable(got[1])
    assert [event.pk for event in got[0]] == [
        str(pk) for pk in Ticket.objects.order_by("pk").values_list("pk", flat=True)[:count]
    ]


@pytest.mark.django_db(transaction=True)
def test_events_are_packed_only_past_the_number_waiting_for_one_commit(organization, monkeypatch):
    from audit import bulk

    packed, got = [], []
    unpack = events._deliver_packed
    monkeypatch.setattr(events, "_deliver_packed", lambda data: packed.append(data) or unpack(data))
    monkeypatch.setattr(events, "HELD_UNPACKED", 25)
    events.subscribe(got.append, models=["testapp.ticket"], many=True)
    try:
        with transaction.atomic():  # written in three goes: 10 and 10 wait as they are
            for go in range(3):
                bulk.bulk_create(
                    [Ticket(organization=organization, title=f"{go}-{n}") for n in range(10)]
                )
            assert len(packed) == 0  # nothing delivered yet
        assert len(packed) == 1  # the third ten, past 25
        assert [len(delivered) for delivered in got] == [10, 10, 10]
        with transaction.atomic():  # a new transaction counts from nothing
            bulk.bulk_create([Ticket(organization=organization, title=f"n{n}") for n in range(20)])
        assert len(packed) == 1
        assert len(got) == 4
    finally:
        events.unsubscribe(got.append)
