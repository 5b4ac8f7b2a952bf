from django.urls import path

from api.v1.routers import Router

from . import views

router = Router()
router.register("organization-types", views.OrganizationTypeViewSet, basename="organization-type")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register(
    "organization-memberships",
    views.OrganizationMembershipViewSet,
    basename="organization-membership",
)

router.register(
    "organization-invitations",
    views.OrganizationInvitationViewSet,
    basename="organization-invitation",
)
router.register("invitations", views.MyInvitationViewSet, basename="my-invitation")

urlpatterns = [
    path(
        "profiles/me/memberships/",
        views.MyMembershipsViewSet.as_view({"get": "list"}),
        name="my-memberships",
    ),
    *router.urls,
]
