"""Invitations by email: /api/v1/organization-invitations/ (the organization's side) and
/api/v1/invitations/ (the invitee's side), through the real email task."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import timezone

from api.v1.base_models.organization.choices import InvitationStatus
from api.v1.base_models.organization.models import OrganizationInvitation, OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationInvitationFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog
from tests.contract import assert_constant_queries

from .helpers import (
    MEMBERSHIP_PERMS,
    ORGANIZATION_PERMS,
    ids,
    invitation_list_url,
    invitation_url,
    my_invitation_url,
    my_invitations_url,
    org_url,
    token_from,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(db):
    """The invitee: an account whose email is written in mixed case."""
    return UserFactory(username="ann", email="Ann@Example.com")


@pytest.fixture
def ann_client(jwt_client, ann):
    return jwt_client(ann)


@pytest.fixture
def invite(django_capture_on_commit_callbacks, viewer_role, org_a):
    """invite(client, email, organization=org_a, role=viewer_role) -> (response, emails
    sent by the request)."""

    def send(client, email, organization=None, role=None):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                invitation_list_url(),
                {
                    "organization": (organization or org_a).pk,
                    "email": email,
                    "role": (role or viewer_role).pk,
                },
                format="json",
            )
        return response, list(mail.outbox)

    return send


@pytest.fixture
def sent(invite, client_a):
    """An invitation to ann's address, with the token its email carries."""
    response, emails = invite(client_a, "ann@example.com")
    assert response.status_code == 201, response.content
    invitation = OrganizationInvitation.objects.get(pk=response.json()["id"])
    return invitation, token_from(emails[0])


def accept(client, token):
    return client.post(my_invitations_url("accept"), {"token": token}, format="json")


# -------------------------------------------------------------------- inviting
class TestInviting:
    def test_an_administrator_invites_by_email_and_one_email_is_sent(
        self, invite, client_a, admin_a, org_a, viewer_role
    ):
        response, emails = invite(client_a, "  Ann@Example.COM ")

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["email"] == "ann@example.com"
        assert (body["organization"], body["organization_name"]) == (org_a.pk, "Acme")
        assert (body["role"], body["role_name"]) == (viewer_role.pk, "Test Org Viewer")
        assert body["status"] == "pending"
        assert (body["invited_by"], body["invited_by_username"]) == (admin_a.pk, admin_a.username)
        assert body["membership"] is None
        assert body["accepted_at"] is None
        assert "token" not in body
        assert "token_hash" not in body
        [email] = emails
        assert email.to == ["ann@example.com"]
        assert "Acme" in email.subject
        assert "Test Org Viewer" in email.body
        token = token_from(email)
        invitation = OrganizationInvitation.objects.get(pk=body["id"])
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert (invitation.send_count, invitation.sent_at is not None) == (1, True)
        expected = timezone.now() + timedelta(days=7)
        assert abs(invitation.expires_at - expected) < timedelta(minutes=1)

    def test_the_token_is_stored_only_as_a_hash_and_masked_in_the_audit_log(self, sent):
        invitation, token = sent
        stored = OrganizationInvitation.objects.filter(pk=invitation.pk).values().get()
        assert token not in str(stored)
        rows = AuditLog.objects.filter(
            content_type=ContentType.objects.get_for_model(OrganizationInvitation),
            object_id=str(invitation.pk),
        )
        assert rows.count() == 2  # created, then given its token by the email task
        dumped = str(list(rows.values()))
        assert token not in dumped
        assert invitation.token_hash not in dumped

    def test_the_email_is_sent_by_the_task_once_the_transaction_commits(
        self, django_capture_on_commit_callbacks, client_a, org_a, viewer_role
    ):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client_a.post(
                invitation_list_url(),
                {"organization": org_a.pk, "email": "ann@example.com", "role": viewer_role.pk},
                format="json",
            )
        assert response.status_code == 201
        assert mail.outbox == []
        assert len(callbacks) == 1
        callbacks[0]()
        assert len(mail.outbox) == 1

    def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
        self, invite, client_a, member, org_b, viewer_role
    ):
        member(org_b, viewer_role, user=UserFactory(email="known@example.com"))
        known, known_emails = invite(client_a, "known@example.com")
        unknown, unknown_emails = invite(client_a, "nobody@example.com")

        assert (known.status_code, unknown.status_code) == (201, 201)
        varying = {"id", "email", "created_at", "updated_at", "expires_at"}

        def shape(body):
            return {key: value for key, value in body.items() if key not in varying}

        assert shape(known.json()) == shape(unknown.json())
        assert (len(known_emails), len(unknown_emails)) == (1, 1)
        assert known_emails[0].body.replace(token_from(known_emails[0]), "") == unknown_emails[
            0
        ].body.replace(token_from(unknown_emails[0]), "")

    def test_a_role_beyond_the_inviters_own_is_403(self, invite, client_a):
        bigger = RoleFactory(
            name="Bigger",
            permissions=ORGANIZATION_PERMS + MEMBERSHIP_PERMS + ["contact.view_contact"],
        )

        response, emails = invite(client_a, "ann@example.com", role=bigger)

        assert response.status_code == 403
        assert "Bigger" in response.json()["detail"]
        assert emails == []
        assert not OrganizationInvitation.objects.exists()

    def test_a_member_who_may_not_add_members_is_403(
        self, invite, jwt_client, member, org_a, viewer_role, client_a
    ):
        assert invite(client_a, "ann@example.com")[0].status_code == 201
        viewer = jwt_client(member(org_a, viewer_role))

        # The same answer for a new address and for one with a pending invitation.
        for email in ("ann@example.com", "bob@example.com"):
            response, emails = invite(viewer, email)
            assert response.status_code == 403, email
            assert emails == []
        assert OrganizationInvitation.objects.count() == 1

    def test_another_organization_reads_like_an_unknown_one(self, client_a, org_b, viewer_role):
        def post(organization_id):
            return client_a.post(
                invitation_list_url(),
                {"organization": organization_id, "email": "a@example.com", "role": viewer_role.pk},
                format="json",
            )

        other, unknown = post(org_b.pk), post(987654)

        assert (other.status_code, unknown.status_code) == (400, 400)
        assert other.json()["organization"] == [
            message.replace("987654", str(org_b.pk)) for message in unknown.json()["organization"]
        ]
        assert not OrganizationInvitation.objects.exists()

    @pytest.mark.parametrize("email", ["", "not-an-address", "a@", "x" * 250 + "@example.com"])
    def test_an_invalid_address_is_400(self, invite, client_a, email):
        response, emails = invite(client_a, email)

        assert response.status_code == 400
        assert list(response.json()) == ["email"]
        assert emails == []

    def test_a_second_pending_invitation_to_the_same_address_is_400(self, invite, client_a, sent):
        invitation, _ = sent

        response, emails = invite(client_a, "ANN@example.com")

        assert response.status_code == 400
        assert "resend" in response.json()["email"][0]
        assert emails == []
        # Once revoked (or expired), the address may be invited again.
        assert client_a.post(invitation_url(invitation, "revoke")).status_code == 200
        assert invite(client_a, "ann@example.com")[0].status_code == 201

    def test_an_expired_invitation_does_not_block_a_new_one(self, invite, client_a, org_a):
        old = OrganizationInvitationFactory(
            organization=org_a,
            email="ann@example.com",
            expires_at=timezone.now() - timedelta(minutes=1),
        )

        response, emails = invite(client_a, "ann@example.com")

        assert response.status_code == 201, response.content
        assert len(emails) == 1
        old.refresh_from_db()
        assert old.status == InvitationStatus.EXPIRED

    def test_the_same_address_may_be_invited_by_two_organizations(
        self, invite, client_a, member, admin_role, org_b, admin_a
    ):
        member(org_b, admin_role, user=admin_a)

        assert invite(client_a, "ann@example.com")[0].status_code == 201
        assert invite(client_a, "ann@example.com", organization=org_b)[0].status_code == 201

    def test_anonymous_is_401(self, api_client):
        assert api_client.get(invitation_list_url()).status_code == 401
        assert api_client.post(invitation_list_url(), {}).status_code == 401


# ----------------------------------------------------------- the organization's list
class TestOrganizationList:
    @pytest.fixture
    def rows(self, org_a, org_b, viewer_role):
        now = timezone.now()
        return {
            "pending": OrganizationInvitationFactory(
                organization=org_a, email="pending@example.com", role=viewer_role
            ),
            "expired": OrganizationInvitationFactory(
                organization=org_a, email="late@example.com", expires_at=now - timedelta(days=1)
            ),
            "revoked": OrganizationInvitationFactory(
                organization=org_a, email="gone@example.com", status=InvitationStatus.REVOKED
            ),
            "other": OrganizationInvitationFactory(organization=org_b, email="b@example.com"),
        }

    def listed(self, client, **params):
        return set(ids(client.get(invitation_list_url(), {**params, "page_size": 100})))

    def test_only_the_organizations_where_the_caller_may_add_members(self, client_a, rows):
        assert self.listed(client_a) == {
            rows[name].pk for name in ("pending", "expired", "revoked")
        }
        assert client_a.get(invitation_url(rows["other"])).status_code == 404
        assert client_a.get(invitation_url(rows["pending"])).status_code == 200

    def test_members_who_may_only_view_memberships_see_none(
        self, jwt_client, member, org_a, viewer_role, rows
    ):
        viewer = jwt_client(member(org_a, viewer_role))

        assert self.listed(viewer) == set()
        assert viewer.get(invitation_url(rows["pending"])).status_code == 404

    def test_a_superuser_sees_all(self, jwt_client, superuser, rows):
        assert self.listed(jwt_client(superuser)) == {row.pk for row in rows.values()}

    def test_status_reads_expired_past_the_expiry_and_filters_alike(self, client_a, rows):
        body = client_a.get(invitation_url(rows["expired"])).json()
        assert body["status"] == "expired"
        assert self.listed(client_a, status="pending") == {rows["pending"].pk}
        assert self.listed(client_a, status="expired") == {rows["expired"].pk}
        assert self.listed(client_a, status="revoked") == {rows["revoked"].pk}
        assert client_a.get(invitation_list_url(), {"status": "nope"}).status_code == 400

    def test_filters_and_search(self, client_a, rows, org_b, viewer_role):
        assert self.listed(client_a, email="PENDING@example.com") == {rows["pending"].pk}
        assert self.listed(client_a, search="late") == {rows["expired"].pk}
        assert self.listed(client_a, role=viewer_role.pk) == {rows["pending"].pk}
        assert self.listed(client_a, organization=org_b.pk) == set()
        assert self.listed(client_a, search="b@example") == set()

    def test_the_list_runs_the_same_queries_for_2_and_20_rows(self, client_a, org_a, admin_a):
        def make_more(count):
            for number in range(count):
                OrganizationInvitationFactory(
                    organization=org_a, email=f"i{number}@example.com", invited_by=admin_a
                )

        assert_constant_queries(client_a, invitation_list_url(), make_more)


# ------------------------------------------------------------- revoke and resend
class TestRevokeAndResend:
    def test_revoking_ends_the_invitation(self, client_a, ann_client, sent):
        invitation, token = sent

        response = client_a.post(invitation_url(invitation, "revoke"))

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "revoked"
        refused = accept(ann_client, token)
        assert refused.status_code == 409
        assert refused.json()["code"] == "invitation_revoked"
        again = client_a.post(invitation_url(invitation, "revoke"))
        assert (again.status_code, again.json()["code"]) == (409, "invitation_revoked")
        assert ann_client.get(my_invitations_url()).json()["count"] == 0

    def test_another_organizations_invitation_cannot_be_revoked_or_resent(self, client_a, org_b):
        other = OrganizationInvitationFactory(organization=org_b)

        for action in ("revoke", "resend"):
            assert client_a.post(invitation_url(other, action)).status_code == 404
        other.refresh_from_db()
        assert other.status == InvitationStatus.PENDING

    def test_a_viewer_cannot_revoke(self, jwt_client, member, org_a, viewer_role, sent):
        invitation, _ = sent
        viewer = jwt_client(member(org_a, viewer_role))

        assert viewer.post(invitation_url(invitation, "revoke")).status_code == 404
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.PENDING

    def test_resending_sends_a_new_token_and_the_old_one_stops_working(
        self, django_capture_on_commit_callbacks, client_a, ann_client, sent
    ):
        invitation, old_token = sent
        invitation.expires_at = timezone.now() + timedelta(hours=1)
        invitation.save()
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = client_a.post(invitation_url(invitation, "resend"))

        assert response.status_code == 200, response.content
        [email] = mail.outbox
        new_token = token_from(email)
        assert new_token != old_token
        invitation.refresh_from_db()
        assert invitation.send_count == 2
        assert invitation.expires_at > timezone.now() + timedelta(days=6)
        assert accept(ann_client, old_token).status_code == 404
        assert accept(ann_client, new_token).status_code == 200

    def test_an_expired_invitation_is_renewed_by_resending(
        self, django_capture_on_commit_callbacks, client_a, org_a
    ):
        invitation = OrganizationInvitationFactory(
            organization=org_a, expires_at=timezone.now() - timedelta(days=1)
        )
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            response = client_a.post(invitation_url(invitation, "resend"))

        assert response.status_code == 200
        assert response.json()["status"] == "pending"
        assert len(mail.outbox) == 1

    def test_an_answered_invitation_cannot_be_resent(self, client_a, ann_client, sent):
        invitation, token = sent
        assert accept(ann_client, token).status_code == 200
        mail.outbox.clear()

        response = client_a.post(invitation_url(invitation, "resend"))

        assert (response.status_code, response.json()["code"]) == (409, "invitation_accepted")
        assert mail.outbox == []


# ----------------------------------------------------------------- the invitee
class TestMyInvitations:
    def test_lists_the_pending_invitations_to_my_address_in_any_case(
        self, ann_client, org_a, org_b, admin_a
    ):
        mine = OrganizationInvitationFactory(
            organization=org_a, email="ann@example.com", invited_by=admin_a
        )
        OrganizationInvitationFactory(organization=org_b, email="someone@example.com")
        OrganizationInvitationFactory(
            organization=org_b, email="ann@example.com", status=InvitationStatus.REVOKED
        )
        OrganizationInvitationFactory(
            organization=OrganizationFactory(),
            email="ann@example.com",
            expires_at=timezone.now() - timedelta(seconds=1),
        )

        response = ann_client.get(my_invitations_url())

        assert response.status_code == 200
        [row] = response.json()["results"]
        assert row["id"] == mine.pk
        assert (row["organization"], row["organization_name"]) == (org_a.pk, "Acme")
        assert row["invited_by_username"] == admin_a.username
        assert row["status"] == "pending"
        assert "token_hash" not in row
        assert ann_client.get(my_invitation_url(mine)).status_code == 200

    def test_someone_elses_invitation_is_404(self, ann_client, jwt_client, org_a):
        other = OrganizationInvitationFactory(organization=org_a, email="bob@example.com")

        assert ann_client.get(my_invitation_url(other)).status_code == 404
        assert ann_client.post(my_invitation_url(other, "accept")).status_code == 404
        assert ann_client.post(my_invitation_url(other, "decline")).status_code == 404
        other.refresh_from_db()
        assert other.status == InvitationStatus.PENDING

    def test_a_user_without_an_email_has_none(self, jwt_client, org_a):
        OrganizationInvitationFactory(organization=org_a, email="")

        response = jwt_client(UserFactory(email="")).get(my_invitations_url())

        assert response.json()["count"] == 0

    def test_the_list_runs_the_same_queries_for_2_and_20_rows(self, ann_client, admin_a):
        def make_more(count):
            for _ in range(count):
                OrganizationInvitationFactory(email="ann@example.com", invited_by=admin_a)

        assert_constant_queries(ann_client, my_invitations_url(), make_more)

    def test_anonymous_is_401(self, api_client, sent):
        invitation, token = sent
        assert api_client.get(my_invitations_url()).status_code == 401
        assert api_client.post(my_invitations_url("accept"), {"token": token}).status_code == 401
        assert api_client.post(my_invitation_url(invitation, "accept")).status_code == 401


class TestAccepting:
    def test_the_whole_flow(self, client_a, ann, ann_client, org_a, viewer_role, sent):
        invitation, token = sent
        assert ann_client.get(org_url(org_a)).status_code == 404

        response = accept(ann_client, token)

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["organization"], body["organization_name"]) == (org_a.pk, "Acme")
        assert (body["role"], body["role_name"], body["is_active"]) == (
            viewer_role.pk,
            "Test Org Viewer",
            True,
        )
        membership = OrganizationMembership.objects.get(user=ann, organization=org_a)
        assert (membership.pk, membership.role, membership.is_active) == (
            body["id"],
            viewer_role,
            True,
        )
        assert membership.created_by == ann
        # The invitee is a member from now on; the administrator sees the outcome.
        assert ann_client.get(org_url(org_a)).status_code == 200
        seen = client_a.get(invitation_url(invitation)).json()
        assert (seen["status"], seen["membership"]) == ("accepted", membership.pk)
        assert seen["accepted_at"] is not None
        invitation.refresh_from_db()
        assert invitation.accepted_by == ann
        assert ann_client.get(my_invitations_url()).json()["count"] == 0

    def test_by_id(self, ann, ann_client, org_a, sent):
        invitation, _ = sent

        response = ann_client.post(my_invitation_url(invitation, "accept"))

        assert response.status_code == 200, response.content
        assert OrganizationMembership.objects.filter(
            user=ann, organization=org_a, is_active=True
        ).exists()

    def test_a_token_is_used_once(self, ann_client, sent, org_a):
        invitation, token = sent
        assert accept(ann_client, token).status_code == 200

        for response in (
            accept(ann_client, token),
            ann_client.post(my_invitation_url(invitation, "accept")),
            ann_client.post(my_invitations_url("decline"), {"token": token}),
        ):
            assert response.status_code == 409
            assert response.json()["code"] == "invitation_accepted"
        assert OrganizationMembership.objects.filter(organization=org_a).count() == 2

    def test_another_users_token_is_404_like_an_unknown_token(self, jwt_client, sent, org_a):
        invitation, token = sent
        mallory = jwt_client(UserFactory(email="mallory@example.com"))

        stolen = accept(mallory, token)
        unknown = accept(mallory, "x" * 43)

        assert (stolen.status_code, unknown.status_code) == (404, 404)
        assert stolen.json() == unknown.json()
        assert mallory.post(my_invitations_url("decline"), {"token": token}).status_code == 404
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.PENDING
        assert OrganizationMembership.objects.filter(organization=org_a).count() == 1

    def test_an_expired_invitation_is_410(self, ann, ann_client, sent, org_a):
        invitation, token = sent
        OrganizationInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

        for response in (
            accept(ann_client, token),
            ann_client.post(my_invitation_url(invitation, "accept")),
            ann_client.post(my_invitations_url("decline"), {"token": token}),
        ):
            assert response.status_code == 410
            assert response.json()["code"] == "invitation_expired"
        assert not OrganizationMembership.objects.filter(user=ann).exists()

    def test_declining(self, ann, ann_client, client_a, sent):
        invitation, token = sent

        response = ann_client.post(my_invitations_url("decline"), {"token": token})

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "declined"
        refused = accept(ann_client, token)
        assert (refused.status_code, refused.json()["code"]) == (409, "invitation_declined")
        assert client_a.get(invitation_url(invitation)).json()["status"] == "declined"
        assert not OrganizationMembership.objects.filter(user=ann).exists()

    def test_declining_by_id(self, ann_client, sent):
        invitation, _ = sent

        response = ann_client.post(my_invitation_url(invitation, "decline"))

        assert response.status_code == 200
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.DECLINED

    def test_an_inactive_membership_is_reactivated_with_the_invited_role(
        self, ann, ann_client, member, org_a, admin_role, viewer_role, sent
    ):
        _invitation, token = sent
        old = OrganizationMembership.objects.create(
            user=ann, organization=org_a, role=admin_role, is_active=False
        )

        response = accept(ann_client, token)

        assert response.status_code == 200, response.content
        old.refresh_from_db()
        assert (old.is_active, old.role) == (True, viewer_role)
        assert response.json()["id"] == old.pk

    def test_an_active_member_is_409_and_the_invitation_stays_pending(
        self, ann, ann_client, member, org_a, admin_role, sent
    ):
        invitation, token = sent
        member(org_a, admin_role, user=ann)

        response = accept(ann_client, token)

        assert (response.status_code, response.json()["code"]) == (409, "already_member")
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.PENDING
        assert OrganizationMembership.objects.get(user=ann, organization=org_a).role == admin_role

    @pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": None}, {"token": "x" * 500}])
    def test_a_missing_or_malformed_token_is_400(self, ann_client, body):
        response = ann_client.post(my_invitations_url("accept"), body, format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["token"]

    @pytest.mark.parametrize("pk", ["abc", "0", "-1", "99999999999999999999999"])
    def test_an_odd_id_is_404(self, ann_client, pk):
        assert ann_client.post(f"/api/v1/invitations/{pk}/accept/").status_code == 404
        assert ann_client.get(f"/api/v1/invitations/{pk}/").status_code == 404


def test_the_schema_documents_the_invitation_endpoints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert {
        ("/api/v1/organization-invitations/", "get"),
        ("/api/v1/organization-invitations/", "post"),
        ("/api/v1/organization-invitations/{id}/", "get"),
        ("/api/v1/organization-invitations/{id}/revoke/", "post"),
        ("/api/v1/organization-invitations/{id}/resend/", "post"),
        ("/api/v1/invitations/", "get"),
        ("/api/v1/invitations/{id}/", "get"),
        ("/api/v1/invitations/accept/", "post"),
        ("/api/v1/invitations/decline/", "post"),
        ("/api/v1/invitations/{id}/accept/", "post"),
        ("/api/v1/invitations/{id}/decline/", "post"),
    } <= operations
    accept_operation = schema["paths"]["/api/v1/invitations/accept/"]["post"]
    assert {"200", "404", "409", "410"} <= set(accept_operation["responses"])
