"""core.workflows on a model of its own (tests.testapp.Ticket): what any app gets from
a state field, decorated methods and WorkflowViewSetMixin in its viewset's bases."""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction

from api.base.workflows import WorkflowViewSetMixin
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog
from core.workflows import (
    TransitionConditionFailed,
    TransitionNotAllowed,
    available_transitions,
    run_transition,
    transition_names,
)
from tests.testapp.models import Ticket
from tests.testapp.views import TicketViewSet

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


@pytest.fixture
def organization():
    return OrganizationFactory()


@pytest.fixture
def worker(organization):
    """May work with tickets, not reopen them."""
    user = UserFactory(username="worker")
    OrganizationMembershipFactory(
        user=user,
        organization=organization,
        role=RoleFactory(permissions=model_permissions(Ticket)),
    )
    return user


@pytest.fixture
def lead(organization):
    user = UserFactory(username="lead")
    role = RoleFactory(permissions=[*model_permissions(Ticket), "testapp.reopen_ticket"])
    OrganizationMembershipFactory(user=user, organization=organization, role=role)
    return user


def rows(ticket):
    return AuditLog.objects.filter(
        content_type__model="ticket", object_id=str(ticket.pk), action_type="TRANSITION"
    ).order_by("id")


def test_the_viewset_gets_one_action_per_transition():
    assert transition_names(Ticket) == ["close", "reopen"]
    routes = {
        (action.url_path, tuple(action.mapping)) for action in TicketViewSet.get_extra_actions()
    }
    assert {
        ("close", ("post",)),
        ("reopen", ("post",)),
        ("available-transitions", ("get",)),
    } <= routes
    assert TicketViewSet.permission_verbs == {
        "available_transitions": "view",
        "close": "view",
        "reopen": "view",
    }


def test_over_the_api(jwt_client, worker, lead, organization):
    ticket = Ticket.objects.create(organization=organization, title="Printer")
    client = jwt_client(worker)
    response = client.post(f"/tickets/{ticket.pk}/close/")
    assert response.status_code == 200, response.content
    # The transition method received the user.
    assert response.json()["state"] == "closed"
    assert response.json()["closed_by"] == "worker"
    # No permission for reopening: 403; the lead may.
    assert client.post(f"/tickets/{ticket.pk}/reopen/").status_code == 403
    assert (
        client.get(f"/tickets/{ticket.pk}/available-transitions/").json()["available_transitions"]
        == []
    )
    response = jwt_client(lead).post(
        f"/tickets/{ticket.pk}/reopen/", {"reason": "Still jams"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [(row.context["transition"], row.user_id) for row in rows(ticket)] == [
        ("close", worker.pk),
        ("reopen", lead.pk),
    ]
    assert rows(ticket).last().context["reason"] == "Still jams"


def test_a_condition_without_a_message(jwt_client, worker, organization):
    ticket = Ticket.objects.create(organization=organization, title="")
    response = jwt_client(worker).post(f"/tickets/{ticket.pk}/close/")
    assert response.status_code == 409
    assert response.json()["conditions"] == [
        {"name": "is_titled", "message": "Condition is_titled is not met."}
    ]


def test_the_state_field_is_not_writable(jwt_client, worker, organization):
    ticket = Ticket.objects.create(organization=organization, title="x")
    response = jwt_client(worker).patch(f"/tickets/{ticket.pk}/", {"state": "closed"})
    assert response.status_code == 400
    assert response.json() == {
        "state": ["The state changes only through the workflow's transitions: close, reopen."]
    }
    with pytest.raises(AttributeError):
        ticket.state = "closed"


class TestRunTransition:
    def test_system_work_needs_no_user(self, organization):
        ticket = Ticket.objects.create(organization=organization, title="x")
        run_transition(ticket, "close")
        ticket.refresh_from_db()
        assert ticket.state == "closed"
        row = rows(ticket).get()
        assert row.user_id is None
        assert row.changes == {"state": {"old": "open", "new": "closed"}}

    def test_refusals(self, organization, worker):
        ticket = Ticket.objects.create(organization=organization, title="")
        with pytest.raises(TransitionConditionFailed) as failed:
            run_transition(ticket, "close", user=worker)
        assert [item.name for item in failed.value.failed] == ["is_titled"]
        with pytest.raises(TransitionNotAllowed):
            run_transition(ticket, "reopen")
        with pytest.raises(ValueError, match=r"Ticket\.save is not a transition"):
            run_transition(ticket, "save")
        assert not rows(ticket).exists()

    def test_a_transition_rolled_back_leaves_no_row(self, organization):
        ticket = Ticket.objects.create(organization=organization, title="x")

        def close_then_fail():
            with transaction.atomic():
                run_transition(ticket, "close")
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            close_then_fail()
        assert not rows(ticket).exists()
        assert Ticket.objects.get(pk=ticket.pk).state == "open"

    def test_two_transitions_before_one_save_are_one_row(self, organization):
        ticket = Ticket.objects.create(organization=organization, title="x")
        ticket.close()
        ticket.reopen()
        ticket.save()
        row = rows(ticket).get()
        assert row.context["transitions"] == ["close", "reopen"]
        assert (row.context["source"], row.context["target"]) == ("open", "open")

    def test_a_transition_never_saved_leaves_no_row(self, organization):
        ticket = Ticket.objects.create(organization=organization, title="x")
        ticket.close()
        assert not rows(ticket).exists()

    def test_available_transitions(self, organization, worker, lead):
        ticket = Ticket.objects.create(organization=organization, title="x")
        assert [t.name for t in available_transitions(ticket, worker)] == ["close"]
        run_transition(ticket, "close", user=worker)
        assert [t.name for t in available_transitions(ticket, worker)] == []
        assert [t.name for t in available_transitions(ticket, lead)] == ["reopen"]
        assert [t.name for t in available_transitions(ticket, None)] == ["reopen"]


def test_a_viewset_without_queryset_is_left_alone():
    class Base(WorkflowViewSetMixin):
        pass

    assert not hasattr(Base, "close")
    assert Permission.objects.filter(codename="reopen_ticket").exists()
