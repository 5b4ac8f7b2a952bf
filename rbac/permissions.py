"""DRF permission classes of the organization-aware RBAC."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import (
    SAFE_METHODS,
    BasePermission,
    DjangoModelPermissions,
    DjangoModelPermissionsOrAnonReadOnly,
)

from .access import has_perm_in_org, organizations_with_perm

ACTION_VERBS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}
METHOD_VERBS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def model_permission(model, verb: str) -> str:
    """ "contact.change_contact" for (Contact, "change")."""
    return f"{model._meta.app_label}.{verb}_{model._meta.model_name}"


def action_verb(view) -> str:
    """The permission verb (view, add, change, delete) a view's current action needs:
    `view.permission_verbs` for custom actions, then the standard actions, then the
    HTTP method."""
    action = getattr(view, "action", None)
    custom = getattr(view, "permission_verbs", {})
    if action in custom:
        return custom[action]
    if action in ACTION_VERBS:
        return ACTION_VERBS[action]
    return "view" if view.request.method in SAFE_METHODS else METHOD_VERBS[view.request.method]


class HasModelPermissionInOrg(BasePermission):
    """The caller's role in the object's organization holds the model permission the
    action needs: view for list/retrieve, add for create, change for update, delete
    for destroy (custom actions: `view.permission_verbs`).

    Views provide `get_permission_model()` and `get_object_organization(obj)`. Lists
    are filtered to the organizations where the caller may view (see
    api.base.views.OrganizationScopedViewSetMixin); a create needs the add permission in
    at least one organization here, and in the target organization when saved.
    """

    message = _("You do not have permission to perform this action in this organization.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "action", None) == "create":
            perm = model_permission(view.get_permission_model(), "add")
            return organizations_with_perm(user, perm) != []
        return True

    def has_object_permission(self, request, view, obj):
        perm = model_permission(view.get_permission_model(), action_verb(view))
        return has_perm_in_org(request.user, perm, view.get_object_organization(obj))

    def describe_access(self, view) -> str:
        """Who may call the view's action (for the API schema)."""
        perm = model_permission(view.get_permission_model(), action_verb(view))
        action = getattr(view, "action", None)
        if action == "list":
            return (
                f"Users whose role holds `{perm}` in an organization; the list holds the "
                "records of those organizations (superusers: all)."
            )
        if action == "create":
            return (
                f"Users whose role holds `{perm}` in the organization of the new record "
                "(superusers: any)."
            )
        return f"Users whose role holds `{perm}` in the record's organization (superusers: any)."


def _global_access(permission: DjangoModelPermissions, view) -> str:
    perms = permission.get_required_permissions(view.request.method, view.queryset.model)
    listed = ", ".join(f"`{perm}`" for perm in perms)
    return f"Users holding {listed} globally (staff granted it; superusers)."


class GlobalModelPermissions(DjangoModelPermissions):
    """Django's model permissions of the user (not of a role in an organization), reads
    included: for platform-wide configuration (roles, field permissions, custom field
    definitions), managed by staff."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def describe_access(self, view) -> str:
        """Who may call the view's action (for the API schema)."""
        return _global_access(self, view)


class ReferenceDataPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """Shared reference data (categories, ...), used by every organization: anyone may
    read it; writing needs the global Django model permission (staff, superusers), never
    a role in one organization, whose members would otherwise change what the others
    use."""

    def describe_access(self, view) -> str:
        """Who may call the view's action (for the API schema)."""
        if view.request.method in SAFE_METHODS:
            return "Anyone, without credentials."
        return _global_access(self, view)
