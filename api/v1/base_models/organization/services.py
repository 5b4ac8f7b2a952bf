"""Business rules of organizations: who may be added to an organization and how
(invitations), and that an organization always keeps an administrator."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from core.exceptions import Conflict
from rbac.access import clear_cache, member_organization_ids

from .choices import InvitationStatus
from .models import Organization, OrganizationInvitation, OrganizationMembership

# ------------------------------------------------------------------ administrators
#: What makes a member an administrator of their organization: a role that may change
#: the organization's memberships (the default "Organization Administrator" role has
#: all four membership permissions). Members who hold it manage everybody else.
ADMINISTRATOR_PERMISSION = "organization.change_organizationmembership"


class LastAdministrator(Conflict):
    default_detail = _(
        "An organization must keep an administrator: give another active member an "
        "administrator role first."
    )
    default_code = "last_administrator"


def _holding_administrator_permission(prefix: str = "") -> Q:
    app_label, codename = ADMINISTRATOR_PERMISSION.split(".")
    return Q(
        **{
            f"{prefix}permissions__content_type__app_label": app_label,
            f"{prefix}permissions__codename": codename,
        }
    )


def administrator_memberships():
    """Active memberships of active users whose role makes them administrators."""
    return OrganizationMembership.objects.filter(
        _holding_administrator_permission("role__"), is_active=True, user__is_active=True
    )


def is_administrator_role(role) -> bool:
    role_id = getattr(role, "pk", role)
    return Group.objects.filter(_holding_administrator_permission(), pk=role_id).exists()


def _ensure_another_administrator(organization_id: int, leaving: set[int]) -> None:
    """409 unless the organization has an administrator besides the memberships in
    `leaving`. The organization's row is locked first, so that two administrators
    stepping down at the same time cannot both succeed (PostgreSQL; SQLite runs one
    write transaction at a time anyway)."""
    names = Organization.objects.select_for_update().filter(pk=organization_id)
    name = names.values_list("name", flat=True).first()
    remaining = administrator_memberships().filter(organization_id=organization_id)
    if not remaining.exclude(pk__in=leaving).exists():
        raise LastAdministrator(
            _(
                "%(organization)s would be left without an administrator: give another "
                "active member an administrator role first."
            )
            % {"organization": name}
        )


def guard_administrator_change(membership: OrganizationMembership) -> None:
    """Before saving a changed membership: refuse to deactivate, demote, move or hand
    over the last administrator membership of an organization (LastAdministrator)."""
    before = (
        administrator_memberships()
        .filter(pk=membership.pk)
        .values_list("organization_id", "user_id")
        .first()
    )
    if before is None:
        return  # not an administrator before: nothing is lost
    organization_id, user_id = before
    if (
        membership.is_active
        and membership.organization_id == organization_id
        and membership.user_id == user_id
        and is_administrator_role(membership.role_id)
    ):
        return
    _ensure_another_administrator(organization_id, {membership.pk})


def guard_administrator_removal(memberships) -> None:
    """Before deleting memberships: refuse when an organization would lose its last
    administrator (LastAdministrator). Call it inside the deleting transaction."""
    leaving = {membership.pk for membership in memberships if membership.pk is not None}
    organizations = set(
        administrator_memberships().filter(pk__in=leaving).values_list("organization_id", flat=True)
    )
    for organization_id in sorted(organizations):
        _ensure_another_administrator(organization_id, leaving)


# -------------------------------------------------------------------------- colleagues
def colleagues_of(user):
    """Active users with an active membership in one of the organizations where `user`
    is an active member (all active users for a superuser): the users an administrator
    may add directly. Anybody else joins through an invitation."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    organizations = member_organization_ids(user)
    if organizations is None:
        return users
    return users.filter(
        pk__in=OrganizationMembership.objects.filter(
            organization_id__in=organizations, is_active=True
        ).values("user_id")
    )


# -------------------------------------------------------------------------- invitations
class InvitationGone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = _("This invitation has expired: ask for a new one.")
    default_code = "invitation_expired"


INVITATION_REFUSALS = {
    InvitationStatus.ACCEPTED: _("This invitation has already been accepted."),
    InvitationStatus.DECLINED: _("This invitation has been declined."),
    InvitationStatus.REVOKED: _("This invitation has been revoked."),
}


class InvitationNotPending(Conflict):
    default_code = "invitation_not_pending"

    def __init__(self, invitation_status: str):
        super().__init__(INVITATION_REFUSALS[invitation_status], f"invitation_{invitation_status}")


class AlreadyMember(Conflict):
    default_detail = _("You are already an active member of this organization.")
    default_code = "already_member"


def normalize_email(email: str) -> str:
    """Invitations are matched to accounts by email, case-insensitively."""
    return (email or "").strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invitation_max_age() -> timedelta:
    return getattr(settings, "INVITATION_MAX_AGE", timedelta(days=7))


@transaction.atomic
def expire_stale(queryset=None) -> int:
    """Mark pending invitations past their expiry as expired; returns how many. Saved
    one by one, so that the audit log records each."""
    queryset = OrganizationInvitation.objects.all() if queryset is None else queryset
    stale = queryset.filter(status=InvitationStatus.PENDING, expires_at__lte=timezone.now())
    count = 0
    for invitation in stale.select_for_update():
        invitation.status = InvitationStatus.EXPIRED
        invitation.save(update_fields=["status"])
        count += 1
    return count


def _send_after_commit(invitation: OrganizationInvitation) -> None:
    from .tasks import send_invitation_email

    pk = invitation.pk
    transaction.on_commit(lambda: send_invitation_email.delay(pk))


@transaction.atomic
def create_invitation(*, organization, email: str, role, invited_by) -> OrganizationInvitation:
    """A pending invitation; its email (with a fresh token) is sent by a Celery task once
    the transaction commits. Whether the address belongs to an account makes no
    difference here."""
    email = normalize_email(email)
    expire_stale(OrganizationInvitation.objects.filter(organization=organization, email=email))
    invitation = OrganizationInvitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=timezone.now() + invitation_max_age(),
    )
    _send_after_commit(invitation)
    return invitation


def _locked(invitation: OrganizationInvitation) -> OrganizationInvitation:
    return OrganizationInvitation.objects.select_for_update().get(pk=invitation.pk)


@transaction.atomic
def resend_invitation(invitation: OrganizationInvitation) -> OrganizationInvitation:
    """Send a pending (or expired) invitation again: a new token (the previous one stops
    working) and a new expiry."""
    invitation = _locked(invitation)
    if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise InvitationNotPending(invitation.status)
    if invitation.status == InvitationStatus.EXPIRED:
        others = OrganizationInvitation.objects.filter(
            organization_id=invitation.organization_id,
            email=invitation.email,
            status=InvitationStatus.PENDING,
        )
        if others.exists():
            raise Conflict(
                _("A newer invitation to this address is pending: resend that one."),
                "invitation_superseded",
            )
    invitation.status = InvitationStatus.PENDING
    invitation.expires_at = timezone.now() + invitation_max_age()
    invitation.save(update_fields=["status", "expires_at"])
    _send_after_commit(invitation)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: OrganizationInvitation) -> OrganizationInvitation:
    """Withdraw an invitation that has not been answered: its token stops working."""
    invitation = _locked(invitation)
    if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise InvitationNotPending(invitation.status)
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    return invitation


def deliver_invitation(invitation_id: int) -> bool:
    """The body of the email task: give the invitation a new token, store its hash and
    email the token to the invitee, in one transaction (a failed send keeps the previous
    token). False when the invitation is gone or no longer pending."""
    with transaction.atomic():
        invitation = (
            OrganizationInvitation.objects.select_for_update().filter(pk=invitation_id).first()
        )
        if invitation is None or invitation.effective_status != InvitationStatus.PENDING:
            return False
        token = secrets.token_urlsafe(32)
        invitation.token_hash = hash_token(token)
        invitation.sent_at = timezone.now()
        invitation.send_count += 1
        invitation.save(update_fields=["token_hash", "sent_at", "send_count"])
        invitation_email(invitation, token).send()
    return True


def invitation_email(invitation: OrganizationInvitation, token: str) -> EmailMessage:
    accept_url = getattr(settings, "INVITATION_ACCEPT_URL", "")
    inviter = invitation.invited_by
    context = {
        "organization": invitation.organization.name,
        "role": invitation.role.name,
        "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "",
        "token": token,
        "accept_url": accept_url.replace("{token}", token) if accept_url else "",
        "expires_at": invitation.expires_at,
    }
    subject = render_to_string("organization/email/invitation_subject.txt", context)
    body = render_to_string("organization/email/invitation_body.txt", context)
    # A subject is one line, whatever the organization's name holds.
    return EmailMessage(" ".join(subject.split()), body, to=[invitation.email])


def invitations_for(user):
    """Every invitation addressed to the user's account email."""
    email = normalize_email(getattr(user, "email", ""))
    if not email:
        return OrganizationInvitation.objects.none()
    return OrganizationInvitation.objects.filter(email=email)


def pending_invitations_for(user):
    return invitations_for(user).filter(
        status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
    )


def find_invitation(user, *, token: str | None = None, pk=None) -> OrganizationInvitation:
    """The user's invitation with this token (or id). An unknown token and another
    address's token are the same 404."""
    invitations = invitations_for(user)
    if token is not None:
        invitations = invitations.filter(token_hash=hash_token(token))
    else:
        invitations = invitations.filter(pk=pk)
    invitation = invitations.first()
    if invitation is None:
        raise NotFound
    return invitation


def _answerable(invitation: OrganizationInvitation) -> OrganizationInvitation:
    invitation = _locked(invitation)
    if invitation.effective_status == InvitationStatus.EXPIRED:
        raise InvitationGone
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationNotPending(invitation.status)
    return invitation


@transaction.atomic
def accept_invitation(invitation: OrganizationInvitation, user) -> OrganizationMembership:
    """Join the organization with the invited role: a new membership, or the user's
    inactive one reactivated. Once only: the invitation is then accepted."""
    invitation = _answerable(invitation)
    membership = (
        OrganizationMembership.objects.select_for_update()
        .filter(user=user, organization_id=invitation.organization_id)
        .first()
    )
    if membership is None:
        try:
            with transaction.atomic():
                membership = OrganizationMembership.objects.create(
                    user=user,
                    organization_id=invitation.organization_id,
                    role_id=invitation.role_id,
                )
        except IntegrityError:  # added by someone else meanwhile
            raise AlreadyMember from None
    elif membership.is_active:
        raise AlreadyMember
    else:
        membership.role_id = invitation.role_id
        membership.is_active = True
        membership.save(update_fields=["role", "is_active"])
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.membership = membership
    invitation.save(update_fields=["status", "accepted_at", "accepted_by", "membership"])
    clear_cache(user)
    return membership


@transaction.atomic
def decline_invitation(invitation: OrganizationInvitation) -> OrganizationInvitation:
    invitation = _answerable(invitation)
    invitation.status = InvitationStatus.DECLINED
    invitation.save(update_fields=["status"])
    return invitation
