"""URLs and small helpers of the organization API tests."""

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
