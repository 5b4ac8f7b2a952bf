"""rbac.permissions: the verb an action needs, and HasModelPermissionInOrg, through small
DRF views built here and through the real contact endpoint."""

import pytest
from django.urls import reverse
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from api.base.views import OrganizationScopedViewSetMixin
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.serializers import ContactSerializer
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.user.tests.factories import UserFactory
from rbac.permissions import (
    ACTION_VERBS,
    GlobalModelPermissions,
    HasModelPermissionInOrg,
    action_verb,
    model_permission,
)

pytestmark = pytest.mark.django_db

factory = APIRequestFactory()


def test_model_permission():
    assert model_permission(Contact, "change") == "contact.change_contact"
    assert model_permission(Organization, "view") == "organization.view_organization"


# ------------------------------------------------------------------------ action_verb
class VerbViewSet(viewsets.ViewSet):
    """Answers the verb its current action needs."""

    authentication_classes = []
    permission_classes = []
    permission_verbs = {"archive": "change", "peek": "view"}

    def _verb(self, *args, **kwargs):
        return Response({"verb": action_verb(self)})

    list = retrieve = create = update = partial_update = destroy = _verb

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._verb()

    @action(detail=True, methods=["post"])
    def peek(self, request, pk=None):
        return self._verb()

    @action(detail=True, methods=["get", "post", "put", "patch", "delete"])
    def other(self, request, pk=None):
        return self._verb()


class VerbAPIView(APIView):
    """A view without actions."""

    authentication_classes = []
    permission_classes = []

    def _verb(self, request):
        verb = action_verb(self)
        return Response({"verb": verb}, headers={"X-Verb": verb})

    get = head = post = put = patch = delete = options = _verb


def _verb_of(view, method, **kwargs):
    request = getattr(factory, method)("/", {}, format="json")
    response = view(request, **kwargs)
    assert response.status_code == 200
    return response.data["verb"]


@pytest.mark.parametrize(
    ("method", "name", "expected"),
    [
        ("get", "list", "view"),
        ("post", "create", "add"),
        ("get", "retrieve", "view"),
        ("put", "update", "change"),
        ("patch", "partial_update", "change"),
        ("delete", "destroy", "delete"),
    ],
)
def test_standard_actions(method, name, expected):
    view = VerbViewSet.as_view({method: name})
    assert _verb_of(view, method, pk=1) == expected
    assert ACTION_VERBS[name] == expected


@pytest.mark.parametrize(("name", "expected"), [("archive", "change"), ("peek", "view")])
def test_custom_actions_use_permission_verbs(name, expected):
    # Both are POSTs: the declared verb wins over the method.
    view = VerbViewSet.as_view({"post": name})
    assert _verb_of(view, "post", pk=1) == expected


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("get", "view"),
        ("post", "add"),
        ("put", "change"),
        ("patch", "change"),
        ("delete", "delete"),
    ],
)
def test_other_actions_fall_back_to_the_http_method(method, expected):
    view = VerbViewSet.as_view({method: "other"})
    assert _verb_of(view, method, pk=1) == expected


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("get", "view"),
        ("head", "view"),
        ("options", "view"),
        ("post", "add"),
        ("put", "change"),
        ("patch", "change"),
        ("delete", "delete"),
    ],
)
def test_views_without_actions_use_the_http_method(method, expected):
    request = getattr(factory, method)("/")
    response = VerbAPIView.as_view()(request)
    assert response.status_code == 200
    assert response.headers["X-Verb"] == expected


# ------------------------------------------------------------ HasModelPermissionInOrg
class ContactActionsViewSet(OrganizationScopedViewSetMixin, viewsets.ModelViewSet):
    """The contact endpoint's tenancy with two custom actions."""

    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    permission_verbs = {"archive": "change"}

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        contact = self.get_object()
        contact.status = "inactive"
        contact.save()
        return Response({"archived": contact.pk})

    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        # Not in permission_verbs: a POST needs the add permission.
        contact = self.get_object()
        return Response({"duplicated": contact.pk})


def _call(user, method, actions, pk=None, data=None):
    request = getattr(factory, method)("/", data or {}, format="json")
    force_authenticate(request, user=user)
    kwargs = {"pk": pk} if pk is not None else {}
    return ContactActionsViewSet.as_view(actions)(request, **kwargs)


def test_a_custom_action_needs_its_declared_verb(member, org_a, fresh):
    contact = ContactFactory(organization=org_a)
    viewer = member(org_a, "contact.view_contact", "contact.add_contact")
    changer = member(org_a, "contact.view_contact", "contact.change_contact")
    response = _call(fresh(viewer), "post", {"post": "archive"}, pk=contact.pk)
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.status == "active"
    response = _call(fresh(changer), "post", {"post": "archive"}, pk=contact.pk)
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.status == "inactive"


def test_an_undeclared_post_action_needs_the_add_permission(member, org_a, fresh):
    contact = ContactFactory(organization=org_a)
    changer = member(org_a, "contact.view_contact", "contact.change_contact")
    adder = member(org_a, "contact.view_contact", "contact.add_contact")
    assert _call(fresh(changer), "post", {"post": "duplicate"}, pk=contact.pk).status_code == 403
    assert _call(fresh(adder), "post", {"post": "duplicate"}, pk=contact.pk).status_code == 200


def test_object_permission_is_checked_in_the_records_organization(member, org_a, org_b, fresh):
    contact_b = ContactFactory(organization=org_b)
    user = member(org_a, "contact.view_contact", "contact.change_contact")
    member(org_b, "contact.view_contact", user=user)
    response = _call(fresh(user), "post", {"post": "archive"}, pk=contact_b.pk)
    assert response.status_code == 403


def test_records_the_caller_may_not_view_are_not_found(member, org_a, fresh):
    # The change permission without the view permission: the record is not reachable.
    contact = ContactFactory(organization=org_a)
    user = member(org_a, "contact.change_contact")
    assert _call(fresh(user), "post", {"post": "archive"}, pk=contact.pk).status_code == 404


def test_create_needs_the_add_permission_somewhere(member, org_a, fresh):
    viewer = member(org_a, "contact.view_contact")
    # Refused before the payload is even looked at: no 400 for an empty body.
    response = _call(fresh(viewer), "post", {"post": "create"}, data={})
    assert response.status_code == 403
    adder = member(org_a, "contact.add_contact")
    response = _call(fresh(adder), "post", {"post": "create"}, data={})
    assert response.status_code == 400
    assert "organization" in response.data


def test_has_permission_needs_an_authenticated_user():
    from django.contrib.auth.models import AnonymousUser

    request = factory.get("/")
    request.user = AnonymousUser()
    assert not HasModelPermissionInOrg().has_permission(request, ContactActionsViewSet())


def test_superuser_may_create_without_memberships(org_a):
    superuser = UserFactory(is_superuser=True)
    response = _call(
        superuser, "post", {"post": "create"}, data={"organization": org_a.pk, "first_name": "S"}
    )
    assert response.status_code == 201, response.data
    assert Contact.objects.get(pk=response.data["id"]).organization == org_a


# ------------------------------------------------------- through the contact endpoint
def test_contact_endpoint_refuses_anonymous():
    response = APIClient().post(reverse("api-v1:contact-list"), {}, format="json")
    assert response.status_code == 401


def test_contact_endpoint_create_without_any_add_permission_is_403(member, org_a, jwt_client):
    viewer = member(org_a, "contact.view_contact")
    response = jwt_client(viewer).post(
        reverse("api-v1:contact-list"),
        {"organization": org_a.pk, "first_name": "X"},
        format="json",
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_contact_endpoint_view_only_role_cannot_delete(member, org_a, jwt_client):
    contact = ContactFactory(organization=org_a)
    viewer = member(org_a, "contact.view_contact")
    response = jwt_client(viewer).delete(reverse("api-v1:contact-detail", args=[contact.pk]))
    assert response.status_code == 403
    assert "organization" in response.json()["detail"]
    assert Contact.objects.filter(pk=contact.pk).exists()


# ---------------------------------------------------------------- GlobalModelPermissions
class GlobalContactsView(viewsets.ReadOnlyModelViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    permission_classes = [GlobalModelPermissions]


def test_global_model_permissions_need_the_view_permission_to_read(
    member, org_a, fresh, grant_global
):
    ContactFactory(organization=org_a)
    view = GlobalContactsView.as_view({"get": "list"})
    # A role's permission in an organization is not enough...
    role_member = fresh(member(org_a, "contact.view_contact"))
    request = factory.get("/")
    force_authenticate(request, user=role_member)
    assert view(request).status_code == 403
    # ...the global (Django) permission is.
    staff = grant_global(UserFactory(), "contact.view_contact")
    request = factory.get("/")
    force_authenticate(request, user=staff)
    assert view(request).status_code == 200
