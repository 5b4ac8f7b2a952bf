"""The default roles, created on `migrate` when missing.

Each role lists models ("app_label.model") with the permission verbs it gets on them.
Organization administrators manage their organizations' members, contacts, products,
warehouses and sub-organizations and read their audit log; members work with contacts
and products (all but deleting them and taking them back to draft) and arrange stock
locations; auditors read the audit log; viewers read. New apps add their
models here; `manage.py sync_default_roles` gives existing roles the permissions added
since (it never removes any).
"""

from django.contrib.auth.models import Group, Permission

ALL = ("view", "add", "change", "delete")
PRODUCT_WORKFLOW = ("activate", "discontinue", "reset")

DEFAULT_ROLES = {
    "Organization Administrator": {
        "audit.auditlog": ("view",),
        "organization.organization": ALL,
        "organization.organizationmembership": ALL,
        "contact.contact": ALL,
        "contact.contactemailaddress": ALL,
        "contact.contactphonenumber": ALL,
        "contact.contactaddress": ALL,
        "products.product": (*ALL, *PRODUCT_WORKFLOW),
        "inventory.warehouse": ALL,
        "inventory.stocklocation": ALL,
    },
    "Organization Member": {
        "organization.organization": ("view",),
        "organization.organizationmembership": ("view",),
        "contact.contact": ALL,
        "contact.contactemailaddress": ALL,
        "contact.contactphonenumber": ALL,
        "contact.contactaddress": ALL,
        "products.product": ("view", "add", "change", "activate", "discontinue"),
        "inventory.warehouse": ("view",),
        "inventory.stocklocation": ("view", "add", "change"),
    },
    "Organization Auditor": {
        "audit.auditlog": ("view",),
        "organization.organization": ("view",),
        "organization.organizationmembership": ("view",),
        "contact.contact": ("view",),
        "products.product": ("view",),
        "inventory.warehouse": ("view",),
        "inventory.stocklocation": ("view",),
    },
    "Organization Viewer": {
        "organization.organization": ("view",),
        "contact.contact": ("view",),
        "contact.contactemailaddress": ("view",),
        "contact.contactphonenumber": ("view",),
        "contact.contactaddress": ("view",),
        "products.product": ("view",),
        "inventory.warehouse": ("view",),
        "inventory.stocklocation": ("view",),
    },
}


def role_permissions(spec) -> list[Permission]:
    wanted = set()
    for label, verbs in spec.items():
        app_label, model = label.split(".")
        wanted.update((app_label, f"{verb}_{model}") for verb in verbs)
    permissions = Permission.objects.select_related("content_type").filter(
        content_type__app_label__in={app for app, _ in wanted}
    )
    return [p for p in permissions if (p.content_type.app_label, p.codename) in wanted]


def create_default_roles() -> list[str]:
    """Create the default roles that do not exist; returns their names."""
    created = []
    for name, spec in DEFAULT_ROLES.items():
        role, is_new = Group.objects.get_or_create(name=name)
        if is_new:
            role.permissions.set(role_permissions(spec))
            created.append(name)
    return created


def sync_default_roles() -> dict[str, int]:
    """Give every default role the permissions of its spec it lacks; returns how many
    each one received."""
    added = {}
    for name, spec in DEFAULT_ROLES.items():
        role, _ = Group.objects.get_or_create(name=name)
        missing = set(role_permissions(spec)) - set(role.permissions.all())
        role.permissions.add(*missing)
        added[name] = len(missing)
    return added
