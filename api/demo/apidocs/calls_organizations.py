"""The documentation's examples of organizations, their members and invitations, roles,
field rules, custom fields, tags and the audit log: calls in the order a client makes
them, run after LOGIN + PRODUCTS of calls.py (which save `organization`, the demo
organization's id).

Reads use the demo records; what is changed or deleted is created here first: a
sub-organization "Demo Labs", the admin account's membership of the demo department
(added, changed, then removed), invitations to admin@example.com (the admin account
answers them), a field rule and a custom field. Nothing the demo user needs changes:
it stays administrator of DEMO with its password.

The invitee's token is read from the invitation email (django.core.mail.outbox, the
locmem backend of the test settings), as the invitee would; see `invitation_token`.
"""

import re

from django.core import mail

from api.v1.base_models.organization.models import OrganizationInvitation
from api.v1.base_models.organization.services import hash_token
from api.v1.base_models.organization.tasks import send_invitation_email

from .capture import Call

INVITEE = "admin@example.com"  # the admin account's address: it answers the invitations
_TOKEN = re.compile(r"[A-Za-z0-9_-]{40,}")


def _token_in_outbox(invitation: OrganizationInvitation) -> str | None:
    """The token of the newest email that carries the invitation's current token."""
    for message in reversed(getattr(mail, "outbox", [])):
        if invitation.email not in message.to:
            continue
        for candidate in _TOKEN.findall(message.body):
            if hash_token(candidate) == invitation.token_hash:
                return candidate
    return None


def invitation_token(name: str):
    """A body value: the token of the email of the invitation saved as `name`, also
    saved as `{name}_token` (for `Call.secrets`: it is never shown).

    The email is sent by a task once the request's transaction commits. A scenario run
    inside a test's transaction (which never commits) leaves it waiting: it is then
    sent here as the task would send it (capture.py runs no commit callbacks)."""

    def token(saved: dict) -> str:
        invitation = OrganizationInvitation.objects.get(pk=saved[name])
        found = _token_in_outbox(invitation)
        if found is None:
            send_invitation_email(invitation.pk)
            invitation.refresh_from_db()
            found = _token_in_outbox(invitation)
        if found is None:
            raise AssertionError(f"No invitation email to {invitation.email} holds its token.")
        saved[f"{name}_token"] = found
        return found

    return token


ORGANIZATIONS = [
    Call("List the organization types", "GET", "/api/v1/organization-types/"),
    Call("Read an organization type", "GET", "/api/v1/organization-types/Department/"),
    Call("List your organizations", "GET", "/api/v1/organizations/", query={"ordering": "code"}),
    Call("Read an organization", "GET", "/api/v1/organizations/{organization}/"),
    Call(
        "See what you may do in an organization",
        "GET",
        "/api/v1/organizations/{organization}/my-permissions/",
    ),
    Call(
        "List its sub-organizations",
        "GET",
        "/api/v1/organizations/{organization}/children/",
        query={"code": "DEMO-SALES"},
        save={"department": "results.0.id"},
    ),
    Call(
        "Create a sub-organization",
        "POST",
        "/api/v1/organizations/",
        body={
            "name": "Demo Labs",
            "code": "DEMO-LABS",
            "organization_type": "Department",
            "parent": "{organization}",
            "currency": "EUR",
            "timezone": "Europe/Paris",
            "language": "en",
            "primary_address": {
                "street_address_1": "12 Rue des Inventeurs",
                "city": "Lyon",
                "postal_code": "69002",
                "country": "FR",
            },
            "tags": ["research"],
        },
        status=201,
        save={"lab": "id"},
    ),
    Call(
        "Replace the organization",
        "PUT",
        "/api/v1/organizations/{lab}/",
        body={
            "name": "Demo Research Lab",
            "code": "DEMO-LAB",
            "organization_type": "Department",
            "status": "active",
            "parent": "{organization}",
            "effective_date": "2026-02-01",
            "currency": "EUR",
            "timezone": "Europe/Paris",
            "language": "fr",
            "tags": ["research", "innovation"],
            "metadata": {"cost_center": "CC-410"},
        },
    ),
    Call(
        "Change some of its fields",
        "PATCH",
        "/api/v1/organizations/{lab}/",
        body={"language": "en", "end_date": "2027-12-31"},
    ),
    Call(
        "Move it under another organization",
        "POST",
        "/api/v1/organizations/{lab}/move/",
        body={"parent": "{department}"},
    ),
    Call("List its ancestors", "GET", "/api/v1/organizations/{lab}/ancestors/"),
    Call(
        "List everything under an organization",
        "GET",
        "/api/v1/organizations/{organization}/descendants/",
    ),
    Call("Read the organization's history", "GET", "/api/v1/organizations/{lab}/history/"),
]

ROLES = [
    Call(
        "List the roles",
        "GET",
        "/api/v1/roles/",
        query={"search": "Member"},
        save={"member_role": "results.0.id"},
    ),
    Call("Read a role", "GET", "/api/v1/roles/{member_role}/"),
    Call(
        "Find a role by name",
        "GET",
        "/api/v1/roles/",
        query={"search": "Viewer"},
        save={"viewer_role": "results.0.id"},
    ),
]

INVITATIONS = [
    Call(
        "Invite someone by email",
        "POST",
        "/api/v1/organization-invitations/",
        body={"organization": "{lab}", "email": INVITEE, "role": "{member_role}"},
        status=201,
        save={"first_invitation": "id"},
    ),
    Call(
        "List your pending invitations",
        "GET",
        "/api/v1/invitations/",
        account="admin",
    ),
    Call(
        "Decline an invitation",
        "POST",
        "/api/v1/invitations/{first_invitation}/decline/",
        account="admin",
    ),
    Call(
        "Invite again",
        "POST",
        "/api/v1/organization-invitations/",
        body={"organization": "{lab}", "email": INVITEE, "role": "{member_role}"},
        status=201,
        save={"lab_invitation": "id"},
    ),
    Call(
        "List an organization's invitations",
        "GET",
        "/api/v1/organization-invitations/",
        query={"organization": "{lab}"},
    ),
    Call("Read an invitation", "GET", "/api/v1/organization-invitations/{lab_invitation}/"),
    Call(
        "Send an invitation again",
        "POST",
        "/api/v1/organization-invitations/{lab_invitation}/resend/",
    ),
    Call(
        "Read an invitation's history",
        "GET",
        "/api/v1/organization-invitations/{lab_invitation}/history/",
    ),
    Call(
        "Read an invitation sent to you",
        "GET",
        "/api/v1/invitations/{lab_invitation}/",
        account="admin",
    ),
    Call(
        "Accept an invitation with the token of its email",
        "POST",
        "/api/v1/invitations/accept/",
        account="admin",
        body={"token": invitation_token("lab_invitation")},
        secrets={"lab_invitation_token": "<invitation token>"},
        postman=Call(
            "Accept an invitation by its id",
            "POST",
            "/api/v1/invitations/{lab_invitation}/accept/",
            account="admin",
            body={},
        ),
    ),
]

MEMBERSHIPS = [
    Call("List your memberships", "GET", "/api/v1/profiles/me/memberships/"),
    Call(
        "List the members of an organization with a role",
        "GET",
        "/api/v1/organization-memberships/",
        query={"organization": "{lab}", "role": "{member_role}"},
        save={"admin_user": "results.0.user"},
    ),
    Call(
        "Add a colleague to another organization",
        "POST",
        "/api/v1/organization-memberships/",
        body={"user": "{admin_user}", "organization": "{department}", "role": "{viewer_role}"},
        status=201,
        save={"membership": "id"},
    ),
    Call("Read a membership", "GET", "/api/v1/organization-memberships/{membership}/"),
    Call(
        "Replace a membership",
        "PUT",
        "/api/v1/organization-memberships/{membership}/",
        body={
            "user": "{admin_user}",
            "organization": "{department}",
            "role": "{member_role}",
            "is_active": True,
        },
    ),
    Call(
        "Deactivate a membership",
        "PATCH",
        "/api/v1/organization-memberships/{membership}/",
        body={"is_active": False},
    ),
    Call(
        "Invite a former member back",
        "POST",
        "/api/v1/organization-invitations/",
        body={"organization": "{department}", "email": INVITEE, "role": "{viewer_role}"},
        status=201,
        save={"rejoin_invitation": "id"},
    ),
    Call(
        "Accept an invitation by id",
        "POST",
        "/api/v1/invitations/{rejoin_invitation}/accept/",
        account="admin",
    ),
    Call(
        "Read a membership's history",
        "GET",
        "/api/v1/organization-memberships/{membership}/history/",
    ),
    Call(
        "Remove a member",
        "DELETE",
        "/api/v1/organization-memberships/{membership}/",
        status=204,
    ),
    Call(
        "Invite with another role",
        "POST",
        "/api/v1/organization-invitations/",
        body={"organization": "{department}", "email": INVITEE, "role": "{member_role}"},
        status=201,
        save={"declined_invitation": "id"},
    ),
    Call(
        "Decline an invitation with the token of its email",
        "POST",
        "/api/v1/invitations/decline/",
        account="admin",
        body={"token": invitation_token("declined_invitation")},
        secrets={"declined_invitation_token": "<invitation token>"},
        postman=Call(
            "Decline an invitation by its id",
            "POST",
            "/api/v1/invitations/{declined_invitation}/decline/",
            account="admin",
            body={},
        ),
    ),
    Call(
        "Invite to the new organization",
        "POST",
        "/api/v1/organization-invitations/",
        body={"organization": "{lab}", "email": "grace@example.com", "role": "{viewer_role}"},
        status=201,
        save={"revoked_invitation": "id"},
    ),
    Call(
        "Withdraw an invitation",
        "POST",
        "/api/v1/organization-invitations/{revoked_invitation}/revoke/",
    ),
]

FIELD_RULES = [
    Call("List the field rules", "GET", "/api/v1/field-permissions/", account="admin"),
    Call(
        "Make a field read-only for a role",
        "POST",
        "/api/v1/field-permissions/",
        account="admin",
        body={
            "role": "{member_role}",
            "model": "products.product",
            "field_name": "is_sellable",
            "can_read": True,
            "can_write": False,
        },
        status=201,
        save={"field_rule": "id"},
    ),
    Call(
        "Read a field rule",
        "GET",
        "/api/v1/field-permissions/{field_rule}/",
        account="admin",
    ),
    Call(
        "Replace a field rule",
        "PUT",
        "/api/v1/field-permissions/{field_rule}/",
        account="admin",
        body={
            "role": "{member_role}",
            "model": "products.product",
            "field_name": "is_purchasable",
            "can_read": True,
            "can_write": False,
        },
    ),
    Call(
        "Hide the field from the role",
        "PATCH",
        "/api/v1/field-permissions/{field_rule}/",
        account="admin",
        body={"can_read": False},
    ),
    Call(
        "Delete a field rule",
        "DELETE",
        "/api/v1/field-permissions/{field_rule}/",
        account="admin",
        status=204,
    ),
]

CUSTOM_FIELDS = [
    Call(
        "List the custom field definitions",
        "GET",
        "/api/v1/custom-field-definitions/",
        account="admin",
    ),
    Call(
        "Define a custom field",
        "POST",
        "/api/v1/custom-field-definitions/",
        account="admin",
        body={
            "model": "contact.contact",
            "organization": "{organization}",
            "key": "loyalty_tier",
            "label": "Loyalty tier",
            "help_text": "The customer's tier in the loyalty program.",
            "field_type": "choice",
            "choices": ["bronze", "silver", "gold"],
        },
        status=201,
        save={"custom_field": "id"},
    ),
    Call(
        "Read a custom field definition",
        "GET",
        "/api/v1/custom-field-definitions/{custom_field}/",
        account="admin",
    ),
    Call(
        "Replace a custom field definition",
        "PUT",
        "/api/v1/custom-field-definitions/{custom_field}/",
        account="admin",
        body={
            "model": "contact.contact",
            "organization": "{organization}",
            "key": "loyalty_tier",
            "label": "Loyalty level",
            "help_text": "The customer's level in the loyalty program.",
            "field_type": "choice",
            "required": False,
            "choices": ["bronze", "silver", "gold", "platinum"],
            "is_active": True,
        },
    ),
    Call(
        "Retire a custom field",
        "PATCH",
        "/api/v1/custom-field-definitions/{custom_field}/",
        account="admin",
        body={"is_active": False},
    ),
    Call(
        "Delete a custom field definition",
        "DELETE",
        "/api/v1/custom-field-definitions/{custom_field}/",
        account="admin",
        status=204,
    ),
]

TAGS = [
    Call("List the tags in use", "GET", "/api/v1/tags/"),
    Call("Read a tag", "GET", "/api/v1/tags/ergonomic/"),
]

AUDIT = [
    Call(
        "Read the audit log of a record",
        "GET",
        "/api/v1/audit-logs/",
        query={"content_type": "organization.organization", "object_id": "{lab}"},
        save={"audit_entry": "results.0.id"},
    ),
    Call("Read an audit log entry", "GET", "/api/v1/audit-logs/{audit_entry}/"),
]

CLEANUP = [
    Call("Delete an organization", "DELETE", "/api/v1/organizations/{lab}/", status=204),
]

CALLS = [
    *ORGANIZATIONS,
    *ROLES,
    *INVITATIONS,
    *MEMBERSHIPS,
    *FIELD_RULES,
    *CUSTOM_FIELDS,
    *TAGS,
    *AUDIT,
    *CLEANUP,
]
