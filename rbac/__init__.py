"""Organization-aware role-based access control.

A user's rights in an organization are the permissions of the role (a Django Group)
of their active membership there. `rbac.has_perm_in_org(user, perm, organization)`
answers for one organization; the DRF classes in rbac.permissions apply it to views.
"""


def __getattr__(name):
    # `rbac.has_perm_in_org` and friends without importing models at package import.
    from . import access

    if name in access.__all__:
        return getattr(access, name)
    raise AttributeError(name)
