"""Django authentication backend answering object permissions per organization.

`user.has_perm("contact.change_contact", contact)` is True when the user's role in the
contact's organization holds the permission (and `user.has_perm(perm, organization)`
for an organization itself). Permissions without an object are left to ModelBackend.
"""

from core.registry import is_organization

from .access import has_perm_in_org


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
