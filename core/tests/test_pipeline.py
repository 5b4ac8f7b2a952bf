"""core.db.pipeline: work handed to a thread with a connection of its own, one piece at a
time, its errors raised in the caller; a transaction of the thread's; inline where the
caller's transaction or the database rules a second connection out."""

import logging
import threading

import pytest
from crum import get_current_request, get_current_user, impersonate, set_current_request
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.utils import translation

from core.db.pipeline import Inline, Pipeline, pipeline

POSTGRESQL = connection.vendor == "postgresql"
on_postgresql = pytest.mark.skipif(not POSTGRESQL, reason="pipelines run on PostgreSQL only")


class Broken(Exception):
    pass


def fail():
    raise Broken("the write failed")


def create_then_fail(block, create):
    with block:
        create()
        raise Broken()


NAMES = ("one", "two")


def created():
    """The groups the tests create, as seen by the test's own connection."""
    return set(Group.objects.filter(name__in=NAMES).values_list("name", flat=True))


@pytest.mark.django_db
def test_inside_a_transaction_the_calls_run_inline_in_it():
    calls = []
    with pipeline() as writer:
        assert isinstance(writer, Inline)
        assert not writer.threaded
        writer.run(calls.append, threading.get_ident())
        assert calls == [threading.get_ident()]  # at once, in this thread
        writer.wait()
        with pytest.raises(Broken):
            create_then_fail(writer.atomic(), lambda: Group.objects.create(name="rolled back"))
    assert not Group.objects.filter(name="rolled back").exists()


@pytest.mark.django_db(transaction=True)
def test_outside_one_a_pipeline_is_made_on_postgresql_only():
    with pipeline() as writer:
        assert isinstance(writer, Pipeline if POSTGRESQL else Inline)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_pieces_run_in_order_in_a_thread_with_its_connection_request_user_and_language(user, rf):
    seen, requests, request = [], set(), rf.get("/")

    def note(name):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        seen.append(
            (name, threading.get_ident(), pid, get_current_user(), translation.get_language())
        )
        requests.add(get_current_request())

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    set_current_request(request)
    with impersonate(user), translation.override("fr"), pipeline() as writer:
        for name in ("first", "second", "third"):
            writer.run(note, name)

    assert [each[0] for each in seen] == ["first", "second", "third"]
    (thread,) = {each[1] for each in seen}
    assert thread != threading.get_ident()
    (pid,) = {each[2] for each in seen}
    assert pid != own_pid
    assert {(each[3], each[4]) for each in seen} == {(user, "fr")}
    assert requests == {request}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_piece_waits_for_the_one_before_it():
    order, started, release = [], threading.Event(), threading.Event()

    def first():
        started.set()
        release.wait()
        order.append("first ended")

    with pipeline() as writer:
        writer.run(first)
        started.wait()
        threading.Timer(0.05, release.set).start()
        writer.run(order.append, "second")  # returns once the first ended
        order.append("handed")
    assert order.index("first ended") < order.index("handed")
    assert sorted(order) == ["first ended", "handed", "second"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_error_of_the_thread_is_raised_in_the_caller_and_stops_what_follows():
    later = []
    with pipeline() as writer:
        writer.run(fail)
        with pytest.raises(Broken):
            writer.run(later.append, "not run")
    assert later == []

    with pytest.raises(Broken), pipeline() as writer:
        writer.run(fail)  # the last piece: raised when the block ends


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_callers_error_wins_and_the_threads_is_logged(caplog):
    def caller_fails():
        with pipeline() as writer:
            writer.run(fail)
            raise KeyError("the caller failed")

    with caplog.at_level(logging.ERROR, "core.db.pipeline"), pytest.raises(KeyError):
        caller_fails()
    assert "failed after its caller did" in caplog.text


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_threads_connections_are_closed_when_the_block_ends():
    used = []
    with pipeline() as writer:
        writer.run(lambda: (Group.objects.exists(), used.append(connections["default"])))
    (other,) = used
    assert other is not connection
    assert other.connection is None


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_transaction_of_the_thread_commits_when_the_block_ends():
    with pipeline() as writer, writer.atomic():
        writer.run(Group.objects.create, name="one")
        writer.run(Group.objects.create, name="two")
        writer.wait()
        assert created() == set()  # not committed yet: this is another connection
    assert created() == {"one", "two"}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_transaction_of_the_thread_rolls_back_when_the_caller_or_a_piece_fails():
    def piece_fails():
        with pipeline() as writer, writer.atomic():
            writer.run(Group.objects.create, name="two")
            writer.run(fail)

    with pipeline() as writer, pytest.raises(Broken):
        create_then_fail(writer.atomic(), lambda: writer.run(Group.objects.create, name="one"))
    with pytest.raises(Broken):
        piece_fails()
    assert created() == set()
    assert not transaction.get_connection().in_atomic_block
