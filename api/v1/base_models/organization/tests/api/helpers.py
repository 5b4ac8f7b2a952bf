"""URLs and small helpers of the organization API tests."""

import re

from django.urls import reverse

from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import model_permissions

ORGANIZATION_PERMS = model_permissions(Organization)
MEMBERSHIP_PERMS = model_permissions(OrganizationMembership)


def org_list_url():
    return reverse("api-v1:organization-list")


def org_url(organization, action=None):
    pk = getattr(organization, "pk", organization)
    if action is None:
        return reverse("api-v1:organization-detail", args=[pk])
    return reverse(f"api-v1:organization-{action}", args=[pk])


def membership_list_url():
    return reverse("api-v1:organization-membership-list")


def membership_url(membership):
    return reverse("api-v1:organization-membership-detail", args=[membership.pk])


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def invitation_list_url():
    return reverse("api-v1:organization-invitation-list")


def invitation_url(invitation, action=None):
    pk = getattr(invitation, "pk", invitation)
    if action is None:
        return reverse("api-v1:organization-invitation-detail", args=[pk])
    return reverse(f"api-v1:organization-invitation-{action}", args=[pk])


def my_invitations_url(action=None):
    """/invitations/, or /invitations/accept/ and /invitations/decline/ (by token)."""
    if action is None:
        return reverse("api-v1:my-invitation-list")
    return reverse(f"api-v1:my-invitation-{action}-token")


def my_invitation_url(invitation, action=None):
    pk = getattr(invitation, "pk", invitation)
    if action is None:
        return reverse("api-v1:my-invitation-detail", args=[pk])
    return reverse(f"api-v1:my-invitation-{action}", args=[pk])


TOKEN_LINE = re.compile(r"^([A-Za-z0-9_-]{40,})$", re.MULTILINE)


def token_from(message) -> str:
    """The token an invitation email carries."""
    found = TOKEN_LINE.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]
