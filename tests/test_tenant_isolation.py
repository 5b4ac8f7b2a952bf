"""Sweeps over the whole API for tenant isolation, so that an endpoint added later
cannot forget it."""

import pytest
from rest_framework.test import APIClient

from api.base.views import OrganizationScopedViewSetMixin
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.contact.tests.factories import ContactEmailAddressFactory, ContactFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from rbac.roles import create_default_roles, default_roles

from .apiwalk import api_routes, model_of

SECRET = "Zebracorn"  # appears only in organization B's data

# Endpoints of organization data that are not tenant-scoped, and why.
NOT_SCOPED = {
    # The caller's own memberships only.
    "api/v1/profiles/me/memberships/",
    # The invitations addressed to the caller's own email (accepting one is how a user
    # joins an organization they are not a member of yet).
    "api/v1/^invitations/$",
    "api/v1/^invitations/accept/$",
    "api/v1/^invitations/decline/$",
    "api/v1/^invitations/(?P<pk>[^/.]+)/$",
    "api/v1/^invitations/(?P<pk>[^/.]+)/accept/$",
    "api/v1/^invitations/(?P<pk>[^/.]+)/decline/$",
    # Scoped by audit.views.visible_logs: rows of the organizations where the caller
    # may audit.
    "api/v1/^audit-logs/$",
    "api/v1/^audit-logs/(?P<pk>[^/.]+)/$",
    # Tags are shared rows: core.tagging lists only those on records the caller may
    # view, with counts of those records.
    "api/v1/^tags/$",
    "api/v1/^tags/(?P<slug>[^/.]+)/$",
    # The caller's own notifications (their recipient), whichever organization they
    # come from; tested in notifications/tests/.
    "api/v1/^notifications/$",
    "api/v1/^notifications/mark-all-read/$",
    "api/v1/^notifications/unread-count/$",
    "api/v1/^notifications/preferences/$",
    "api/v1/^notifications/(?P<pk>[^/.]+)/$",
    "api/v1/^notifications/(?P<pk>[^/.]+)/mark-read/$",
    "api/v1/^notifications/(?P<pk>[^/.]+)/mark-unread/$",
    # The caller's own import and export jobs, in the organizations they still belong
    # to (api.v1.features.data_jobs.views.DataJobViewSet); tested in
    # api/v1/features/data_jobs/tests/.
    "api/v1/^data-jobs/$",
    *(
        f"api/v1/^data-jobs/(?P<pk>[^/.]+)/{path}$"
        for path in ("", "cancel/", "download/", "errors/")
    ),
    # A record's own comments: found through the record, which must be one the caller
    # may view (404 otherwise); tested in api/v1/features/collaboration/tests/.
    *(
        f"api/v1/{prefix}/<str:record_pk>/comments/"
        for prefix in ("organizations", "contacts", "products", "warehouses")
    ),
    *(f"api/v1/{prefix}/<str:record_pk>/comments/" for prefix in ("stock-locations", "documents")),
    # Chat rooms are the caller's (a participant's) and their organizations' channels,
    # by api.v1.features.chat.services.rooms_visible_to (a room's history: its audit
    # rows the caller may read, audit.views.visible_logs); tested in
    # api/v1/features/chat/tests/, test_contract.py under the API contract.
    *(
        f"api/v1/^chat/rooms/{path}$"
        for path in (
            "",
            "(?P<pk>[^/.]+)/",
            *(
                f"(?P<pk>[^/.]+)/{name}/"
                for name in (
                    "archive",
                    "unarchive",
                    "join",
                    "leave",
                    "read",
                    "participants",
                    "messages",
                    "history",
                )
            ),
            "(?P<pk>[^/.]+)/participants/(?P<user_id>[0-9]{1,18})/",
            "(?P<room_pk>[^/.]+)/messages/(?P<pk>[^/.]+)/",
        )
    ),
    # Platform configuration: global (staff) permissions, see docs/decisions.md.
    "api/v1/^custom-field-definitions/$",
    "api/v1/^notification-templates/$",
    "api/v1/^notification-templates/(?P<pk>[^/.]+)/$",
    "api/v1/^custom-field-definitions/(?P<pk>[^/.]+)/$",
}


def test_every_endpoint_of_organization_data_is_scoped():
    unscoped = []
    for route, callback in api_routes():
        model = model_of(callback.cls)
        if model is None:
            continue
        owner = next(
            (
                field
                for field in model._meta.get_fields()
                if field.name == "organization" and getattr(field, "related_model", None)
            ),
            None,
        )
        is_org_data = (owner is not None and owner.related_model is Organization) or (
            model is Organization
        )
        scoped = issubclass(callback.cls, OrganizationScopedViewSetMixin)
        if is_org_data and not scoped and route not in NOT_SCOPED:
            unscoped.append(route)
    assert unscoped == []


@pytest.mark.django_db
def test_nothing_of_another_organization_appears_on_any_list_endpoint():
    create_default_roles()
    from django.contrib.auth.models import Group

    administrator = Group.objects.get(name=next(iter(default_roles())))
    org_a = OrganizationFactory(name="Alpha", code="ALPHA")
    org_b = OrganizationFactory(name=f"{SECRET} Industries", code=f"{SECRET.upper()}-B")
    contact_b = ContactFactory(organization=org_b, last_name=SECRET, notes=SECRET)
    ContactEmailAddressFactory(contact=contact_b, email=f"{SECRET.lower()}@example.com")
    ContactFactory(organization=org_a, last_name="Visible")
    user_a = UserFactory()
    OrganizationMembershipFactory(user=user_a, organization=org_a, role=administrator)
    OrganizationMembershipFactory(
        user=UserFactory(username=SECRET.lower()), organization=org_b, role=administrator
    )

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user_a)['access']}")
    checked = 0
    for route, callback in api_routes():
        actions = getattr(callback, "actions", None) or {}
        if "<" in route or actions.get("get") != "list":
            continue
        url = "/" + route.replace("^", "").replace("$", "")
        for query in ("", f"?search={SECRET}", f"?organization={org_b.pk}", "?ordering=-id"):
            response = client.get(url + query)
            assert response.status_code in (200, 400, 403), (url, query, response.status_code)
            assert SECRET.lower() not in response.content.decode().lower(), (url, query)
        checked += 1
    assert checked >= 10
