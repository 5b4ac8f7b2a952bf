"""Invitations below the API: the email task, the expiry task, the services' rules, and
the Admin (look and revoke, scoped like memberships)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from api.v1.base_models.organization import services, tasks
from api.v1.base_models.organization.choices import InvitationStatus
from api.v1.base_models.organization.models import OrganizationInvitation, OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationInvitationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Acme & Sons", code="ACME")


class TestTheEmailTask:
    def test_sends_one_email_with_a_fresh_token(self, org_a, settings):
        settings.INVITATION_ACCEPT_URL = "https://erp.example.com/join?token={token}"
        inviter = UserFactory(first_name="Grace", last_name="Hopper")
        invitation = OrganizationInvitationFactory(
            organization=org_a, email="ann@example.com", invited_by=inviter
        )
        mail.outbox.clear()

        assert tasks.send_invitation_email.delay(invitation.pk).get() is True

        [email] = mail.outbox
        assert email.subject == "You are invited to join Acme & Sons"
        assert "Grace Hopper invites you to join Acme & Sons" in email.body
        invitation.refresh_from_db()
        link = next(line for line in email.body.splitlines() if line.startswith("https://"))
        token = link.split("token=", 1)[1]
        assert invitation.token_hash == services.hash_token(token)
        assert invitation.send_count == 1

    @pytest.mark.parametrize(
        "fields",
        [
            {"status": InvitationStatus.ACCEPTED},
            {"status": InvitationStatus.REVOKED},
            {"expires_at": timezone.now() - timedelta(seconds=1)},
        ],
    )
    def test_sends_nothing_for_an_invitation_no_longer_pending(self, org_a, fields):
        invitation = OrganizationInvitationFactory(organization=org_a, **fields)
        mail.outbox.clear()

        assert tasks.send_invitation_email.delay(invitation.pk).get() is False
        assert tasks.send_invitation_email.delay(987654).get() is False
        assert mail.outbox == []

    def test_a_failed_send_keeps_the_previous_token(self, org_a, monkeypatch):
        invitation = OrganizationInvitationFactory(organization=org_a, token="previous-token")

        def fail(self, *args, **kwargs):
            raise ValueError("mail server down")

        monkeypatch.setattr("django.core.mail.EmailMessage.send", fail)
        with pytest.raises(ValueError, match="down"):
            services.deliver_invitation(invitation.pk)

        invitation.refresh_from_db()
        assert invitation.token_hash == services.hash_token("previous-token")
        assert invitation.send_count == 0

    def test_a_name_with_line_breaks_keeps_the_subject_on_one_line(self):
        organization = OrganizationFactory(name="Evil\nBcc: x@example.com")
        invitation = OrganizationInvitationFactory(organization=organization)
        mail.outbox.clear()

        services.deliver_invitation(invitation.pk)

        assert mail.outbox[0].subject == "You are invited to join Evil Bcc: x@example.com"


class TestTheExpiryTask:
    def test_marks_the_pending_invitations_past_their_expiry(self, org_a):
        past = timezone.now() - timedelta(minutes=1)
        stale = OrganizationInvitationFactory(organization=org_a, expires_at=past)
        fresh = OrganizationInvitationFactory(organization=org_a)
        revoked = OrganizationInvitationFactory(
            organization=org_a, expires_at=past, status=InvitationStatus.REVOKED
        )

        assert tasks.expire_invitations.delay().get() == 1

        for invitation, status in (
            (stale, InvitationStatus.EXPIRED),
            (fresh, InvitationStatus.PENDING),
            (revoked, InvitationStatus.REVOKED),
        ):
            invitation.refresh_from_db()
            assert invitation.status == status

    def test_is_scheduled_daily(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["expire-organization-invitations"]
        assert entry["task"] == "api.v1.base_models.organization.tasks.expire_invitations"


class TestServices:
    def test_creating_enqueues_the_email_after_commit(
        self, org_a, django_capture_on_commit_callbacks
    ):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            invitation = services.create_invitation(
                organization=org_a,
                email=" Ann@Example.com",
                role=RoleFactory(),
                invited_by=None,
            )
        assert len(callbacks) == 1
        assert invitation.email == "ann@example.com"
        assert len(mail.outbox) == 1

    def test_accepting_twice_is_refused(self, org_a):
        ann = UserFactory(email="ann@example.com")
        invitation = OrganizationInvitationFactory(organization=org_a, email="ann@example.com")

        membership = services.accept_invitation(invitation, ann)

        with pytest.raises(services.InvitationNotPending):
            services.accept_invitation(invitation, ann)
        assert OrganizationMembership.objects.filter(user=ann).get() == membership

    def test_a_refused_acceptance_writes_nothing(self, org_a):
        ann = UserFactory(email="ann@example.com")
        invitation = OrganizationInvitationFactory(
            organization=org_a, email="ann@example.com", expires_at=timezone.now()
        )

        with pytest.raises(services.InvitationGone):
            services.accept_invitation(invitation, ann)
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.PENDING
        assert not OrganizationMembership.objects.filter(user=ann).exists()

    def test_deleting_the_organization_deletes_its_invitations(self, org_a):
        invitation = OrganizationInvitationFactory(organization=org_a)

        org_a.delete()

        assert not OrganizationInvitation.objects.filter(pk=invitation.pk).exists()

    def test_str(self, org_a):
        invitation = OrganizationInvitationFactory(
            organization=org_a, email="ann@example.com", role=RoleFactory(name="Clerk")
        )
        assert str(invitation) == "ann@example.com to Acme & Sons as Clerk"


# ---------------------------------------------------------------------- the Admin
INVITE = model_permissions(OrganizationMembership, "view", "add")


def admin_url(view, *args):
    return reverse(f"admin:organization_organizationinvitation_{view}", args=args)


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Globex", code="GLOBEX")


@pytest.fixture
def staff_client(client, org_a):
    staff = UserFactory(is_staff=True)
    OrganizationMembershipFactory(
        user=staff, organization=org_a, role=RoleFactory(permissions=INVITE)
    )
    client.force_login(staff)
    return client


class TestAdmin:
    def test_staff_see_and_revoke_the_invitations_of_their_organizations(
        self, staff_client, org_a, org_b
    ):
        mine = OrganizationInvitationFactory(organization=org_a)
        other = OrganizationInvitationFactory(organization=org_b)

        response = staff_client.get(admin_url("changelist"))
        assert response.status_code == 200
        assert {obj.pk for obj in response.context["cl"].result_list} == {mine.pk}
        assert staff_client.get(admin_url("change", mine.pk)).status_code == 200
        assert staff_client.get(admin_url("change", other.pk)).status_code == 302
        assert staff_client.get(admin_url("add")).status_code == 403

        response = staff_client.post(
            admin_url("changelist"),
            {"action": "revoke", "_selected_action": [mine.pk, other.pk]},
        )
        assert response.status_code == 302
        mine.refresh_from_db()
        other.refresh_from_db()
        assert (mine.status, other.status) == (InvitationStatus.REVOKED, InvitationStatus.PENDING)

    def test_the_token_hash_is_not_shown(self, staff_client, org_a):
        invitation = OrganizationInvitationFactory(organization=org_a, token="sesame")

        page = staff_client.get(admin_url("change", invitation.pk)).content.decode()

        assert invitation.token_hash not in page

    def test_members_who_may_not_add_members_do_not_see_invitations(self, client, org_a):
        viewer = UserFactory(is_staff=True)
        OrganizationMembershipFactory(
            user=viewer,
            organization=org_a,
            role=RoleFactory(permissions=model_permissions(OrganizationMembership, "view")),
        )
        client.force_login(viewer)

        assert client.get(admin_url("changelist")).status_code == 403
