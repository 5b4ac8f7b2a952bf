"""The default roles, created on `migrate` when missing.

What each role may do is declared by the models themselves (`default_grants`, read by
the feature registry, core.registry): a new app's models join the default roles with
nothing written here. Organization administrators manage their organizations' members,
contacts, products, warehouses and sub-organizations and read their audit log; members
work with contacts and products (all but deleting them and taking them back to draft)
and arrange stock locations; auditors read the audit log; viewers read.
`manage.py sync_default_roles` gives existing roles the permissions added since (it
never removes any).
"""

from django.contrib.auth.models import Group, Permission

from core import registry

# The default roles: registry key -> the role's (Group's) name.
ROLE_NAMES = {
    "administrator": "Organization Administrator",
    "member": "Organization Member",
    "auditor": "Organization Auditor",
    "viewer": "Organization Viewer",
}


def default_roles() -> dict[str, dict[str, tuple[str, ...]]]:
    """{role name: {"app_label.model": verbs}}, from the registered models' grants."""
    roles = {name: {} for name in ROLE_NAMES.values()}
    for model in registry.registered_models():
        for key, verbs in registry.get(model).default_grants.items():
            roles[ROLE_NAMES[key]][model._meta.label_lower] = verbs
    return roles


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
    for name, spec in default_roles().items():
        role, is_new = Group.objects.get_or_create(name=name)
        if is_new:
            role.permissions.set(role_permissions(spec))
            created.append(name)
    return created


def sync_default_roles() -> dict[str, int]:
    """Give every default role the permissions of its spec it lacks; returns how many
    each one received."""
    added = {}
    for name, spec in default_roles().items():
        role, _ = Group.objects.get_or_create(name=name)
        missing = set(role_permissions(spec)) - set(role.permissions.all())
        role.permissions.add(*missing)
        added[name] = len(missing)
    return added
