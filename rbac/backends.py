"""Django authentication backends: object permissions per organization, and Django's
global permissions read in one query.

`user.has_perm("contact.change_contact", contact)` is True when the user's role in the
contact's organization holds the permission (and `user.has_perm(perm, organization)`
for an organization itself). Permissions without an object are left to ModelBackend.
"""

from django.contrib.auth import backends

from core.registry import is_organization

from .access import global_permissions, has_perm_in_org, load_user


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, whose permissions without an object (the user's own and
    their groups') are read in one query of ids named by the process's map of
    permissions (rbac.access.global_permissions), rather than in two queries the ORM
    builds, joining the content types for the names: a member's audit-log list asked
    for them on every request. Cached on the user object as Django caches them. A
    session's user is read with their access in one query (rbac.access.load_user)."""

    def get_user(self, user_id):
        user = load_user(backends.UserModel, user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = global_permissions(user_obj)
        return user_obj._perm_cache


def organization_of(obj):
    """The organization an object belongs to: itself for an organization."""
    if is_organization(obj):
        return obj
    return getattr(obj, "organization_id", None)


class OrganizationPermissionBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if obj is None:
            return False
        organization = organization_of(obj)
        return organization is not None and has_perm_in_org(user_obj, perm, organization)
