"""Who may do what in which organization.

Everything is computed from one query per user and request: the user's active
memberships with the ids of their roles' permissions, cached on the user object (a new
one is loaded for every request, so a role change applies from the next request on).
A request's user is read in that same query (`load_user`: a token's, a session's),
with their global permissions for ModelBackend.
A permission's name ("app_label.codename") is looked up by its id in a map kept for the
whole process, as Django keeps content types (ContentTypeManager's cache): permissions
are rows that migrations write. The map is read again when an id is not in it (another
process migrated), at once after a migration or a flush (post_migrate), and at the next
use after a permission or a content type is saved or deleted (rbac.signals). Like
Django's content type cache, it is not told of a rolled-back change to a permission
itself: that is seen again after the next of those events. The same query says which of
the roles have field rules, so that rbac.fields reads rules only for those.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import connections, router
from django.db.models import Q

from core.db.reads import columns_of, get_by_pk, key_value

__all__ = [
    "clear_cache",
    "global_permissions",
    "has_perm_in_org",
    "load_user",
    "member_organization_ids",
    "member_role_ids",
    "member_roles_with_field_rules",
    "organizations_with_perm",
    "permissions_in_org",
    "role_in_org",
    "users_who_may",
    "visible_to",
]

_CACHE_ATTR = "_rbac_access"
# Where Django's ModelBackend caches a user's global permissions.
_DJANGO_CACHES = ("_perm_cache", "_user_perm_cache", "_group_perm_cache")


@dataclass
class _Access:
    permissions: dict[int, set[str]] = field(default_factory=dict)  # org id -> "app.codename"
    roles: dict[int, int] = field(default_factory=dict)  # org id -> role (Group) id
    # The roles of `roles` with field rules (rbac.fields reads them only for those).
    roles_with_field_rules: set[int] = field(default_factory=set)


# {permission id: "app_label.codename"}, for the process (see the module's docstring).
_PERMISSION_NAMES: dict[int, str] = {}


def forget_permission_names() -> None:
    """Read the permissions' names again at their next use."""
    _PERMISSION_NAMES.clear()


def load_permission_names() -> dict[int, str]:
    """Read every permission's name (into the map of the process)."""
    from django.contrib.auth.models import Permission

    names = {
        pk: f"{app_label}.{codename}"
        for pk, app_label, codename in Permission.objects.order_by().values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    _PERMISSION_NAMES.clear()
    _PERMISSION_NAMES.update(names)
    return names


# The memberships' query of `_access`: each active membership of a user as
# (organization, role, permission ids, whether the role has field rules). Written in
# SQL, with the tables' and columns' names of the models, once per database: it runs
# for every request of a member, and the ORM spent longer building it than the database
# running it. A row per membership: PostgreSQL gives the role's permission ids as an
# array (a third less time than a row per permission), SQLite as text ("1,2,3": an
# administrator of three organizations is 3 rows instead of 600, a third of the time);
# elsewhere a row per permission of the role, with the id alone.
_MEMBERSHIP_COLUMNS = (
    "m.{organization}, m.{role}, {permissions},"
    " EXISTS (SELECT 1 FROM {field_rules} f WHERE f.{rule_role} = m.{role})"
)
_MEMBERSHIPS = (
    "SELECT {membership_columns} FROM {memberships} m{grants_joined}"
    " WHERE m.{user} = %s AND m.{is_active} = %s{grouped}"
)
_GRANTS_JOINED = " LEFT JOIN {grants} g ON g.{group} = m.{role}"
_PERMISSIONS = {
    "postgresql": (
        "ARRAY(SELECT g.{permission} FROM {grants} g WHERE g.{group} = m.{role})",
        "",
        "",
    ),
    "sqlite": ("group_concat(g.{permission})", _GRANTS_JOINED, " GROUP BY m.{id}"),
    None: ("g.{permission}", _GRANTS_JOINED, ""),
}
_MEMBERSHIPS_SQL: dict[str, str] = {}  # by database alias

# The global (Django) permissions of a user, as ModelBackend reads them: the user's own
# and their groups'. ModelBackend builds an ORM query for each, joining permissions to
# their content types for the names; these are ids, named by the map.
_OWN = ("o.{own_permission}", "FROM {own} o WHERE o.{own_user} = {user_key}")
_OF_GROUPS = (
    "gg.{permission}",
    "FROM {grants} gg JOIN {groups} ug ON ug.{group_of_user} = gg.{group}"
    " WHERE ug.{groups_user} = {user_key}",
)
_GLOBAL = f"SELECT {_OWN[0]} {_OWN[1]} UNION SELECT {_OF_GROUPS[0]} {_OF_GROUPS[1]}"
_GLOBAL_SQL: dict[str, str] = {}  # by database alias

# A user with their access, in one query (`load_user`): the user's columns, the ids of
# their global permissions (their own, their groups'), then a row per active membership
# as `_MEMBERSHIPS` gives it (one row of nulls without any). Where the database gives no
# list of ids in a column (other than PostgreSQL and SQLite), the user is read alone.
_USER_WITH_ACCESS = (
    "SELECT {user_columns}, {own_ids}, {group_ids}, {membership_columns}"
    " FROM {users} u LEFT JOIN {memberships} m"
    " ON m.{user} = u.{user_pk} AND m.{is_active} = %s{grants_joined}"
    " WHERE u.{user_pk} = %s{grouped}"
)
_ID_LISTS = {
    "postgresql": "ARRAY(SELECT {column} {rest})",
    "sqlite": "(SELECT group_concat({column}) {rest})",
}
_USER_SQL: dict[str, str | None] = {}  # by database alias


def _quoted_names(connection) -> dict[str, str]:
    """The tables' and columns' names the statements of the module read, quoted (the
    values are parameters)."""
    Membership = apps.get_model("organization", "OrganizationMembership")
    FieldPermission = apps.get_model("rbac", "FieldPermission")
    Grant = Membership._meta.get_field("role").related_model.permissions.through
    User = Membership._meta.get_field("user").related_model
    own = User._meta.get_field("user_permissions")
    groups = User._meta.get_field("groups")
    names = {
        "memberships": Membership._meta.db_table,
        "grants": Grant._meta.db_table,
        "field_rules": FieldPermission._meta.db_table,
        **{
            name: Membership._meta.get_field(name).column
            for name in ("organization", "role", "user", "is_active")
        },
        "permission": Grant._meta.get_field("permission").column,
        "group": Grant._meta.get_field("group").column,
        "id": Membership._meta.pk.column,
        "rule_role": FieldPermission._meta.get_field("role").column,
        "users": User._meta.db_table,
        "user_pk": User._meta.pk.column,
        "own": own.m2m_db_table(),
        "own_user": own.m2m_column_name(),
        "own_permission": own.m2m_reverse_name(),
        "groups": groups.m2m_db_table(),
        "groups_user": groups.m2m_column_name(),
        "group_of_user": groups.m2m_reverse_name(),
    }
    return {key: connection.ops.quote_name(name) for key, name in names.items()}


def _memberships_parts(connection, quoted) -> dict[str, str]:
    """The parts of a statement reading memberships that differ by database."""
    permissions, grants_joined, grouped = _PERMISSIONS.get(connection.vendor, _PERMISSIONS[None])
    return {
        "membership_columns": _MEMBERSHIP_COLUMNS.format(
            permissions=permissions.format(**quoted), **quoted
        ),
        "grants_joined": grants_joined.format(**quoted),
        "grouped": grouped.format(**quoted),
    }


def _memberships_sql(connection) -> str:
    sql = _MEMBERSHIPS_SQL.get(connection.alias)
    if sql is None:
        quoted = _quoted_names(connection)
        sql = _MEMBERSHIPS.format(**_memberships_parts(connection, quoted), **quoted)
        _MEMBERSHIPS_SQL[connection.alias] = sql
    return sql


def _global_sql(connection) -> str:
    sql = _GLOBAL_SQL.get(connection.alias)
    if sql is None:
        sql = _GLOBAL.format(**_quoted_names(connection), user_key="%s")
        _GLOBAL_SQL[connection.alias] = sql
    return sql


def _user_sql(connection, user_model) -> str | None:
    if connection.alias not in _USER_SQL:
        sql = None
        id_list = _ID_LISTS.get(connection.vendor)
        if id_list is not None:
            quoted = _quoted_names(connection)
            quoted["user_key"] = f"u.{quoted['user_pk']}"

            def id_list_of(column, rest):
                return id_list.format(column=column.format(**quoted), rest=rest.format(**quoted))

            sql = _USER_WITH_ACCESS.format(
                user_columns=columns_of(user_model, connection, "u").sql,
                own_ids=id_list_of(*_OWN),
                group_ids=id_list_of(*_OF_GROUPS),
                **_memberships_parts(connection, quoted),
                **quoted,
            )
        _USER_SQL[connection.alias] = sql
    return _USER_SQL[connection.alias]


def _ids(value) -> list[int]:
    """A list of ids as the database gives it: an array, "1,2,3" (SQLite), or null."""
    if value is None:
        return []
    if isinstance(value, str):
        return [int(each) for each in value.split(",")]
    return list(value)


def global_permissions(user) -> set[str]:
    """The names ("app_label.codename") of the permissions `user` holds globally: their
    own and their groups' (not their roles in organizations), in one query."""
    connection = connections[router.db_for_read(type(user))]
    with connection.cursor() as cursor:
        cursor.execute(_global_sql(connection), [user.pk, user.pk])
        ids = [permission_id for (permission_id,) in cursor.fetchall()]
    return _permission_names(ids)


def load_user(model, pk):
    """The user of `model` whose primary key is `pk` (None: none, or not a key), read
    in one query with what `_access` and ModelBackend would read next: their active
    memberships with their roles' permissions, and their global permissions, cached
    on the instance as those cache them (a user loaded for a request: a token's, a
    session's). A superuser's global permissions are left to ModelBackend (all)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    sql = _user_sql(connection, model)
    if sql is None:
        return get_by_pk(model, pk)
    try:
        value = key_value(model, pk, connection)
    except ValueError:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, value])
        rows = cursor.fetchall()
    if not rows:
        return None
    columns = columns_of(model, connection, "u")
    user = columns.instance(model, alias, rows[0])
    if not user.is_active:
        return user
    read = len(columns.attnames)
    own, of_groups = rows[0][read], rows[0][read + 1]
    memberships = [row[read + 2 :] for row in rows if row[read + 2] is not None]
    setattr(user, _CACHE_ATTR, _access_of(memberships))
    if not user.is_superuser:
        user._perm_cache = _permission_names(_ids(own) + _ids(of_groups))
    return user


def _permission_names(ids: list[int]) -> set[str]:
    """The names of the permissions `ids` (those deleted since they were read: none)."""
    names = _PERMISSION_NAMES
    try:
        return {names[permission_id] for permission_id in ids}
    except KeyError:  # added since the map was read
        names = load_permission_names()
        return {names[permission_id] for permission_id in ids if permission_id in names}


def _access_of(rows) -> _Access:
    """The access of the memberships' rows `_MEMBERSHIPS` gives."""
    access = _Access()
    of_role = {}  # role id -> its permissions' names, where a row holds them all
    for organization_id, role_id, permission_ids, field_rules in rows:
        access.roles[organization_id] = role_id
        if field_rules:
            access.roles_with_field_rules.add(role_id)
        if isinstance(permission_ids, str | list):  # all of the role's ("1,2,3" in SQLite)
            if role_id not in of_role:
                of_role[role_id] = _permission_names(_ids(permission_ids))
            access.permissions[organization_id] = of_role[role_id]
        else:  # a row per permission: one id, or None for a role without any
            permissions = access.permissions.setdefault(organization_id, set())
            if permission_ids is not None:
                permissions |= _permission_names([permission_ids])
    return access


def _access(user) -> _Access:
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    access = _Access()
    if user is not None and user.is_authenticated and user.is_active:
        OrganizationMembership = apps.get_model("organization", "OrganizationMembership")
        connection = connections[router.db_for_read(OrganizationMembership)]
        with connection.cursor() as cursor:
            cursor.execute(_memberships_sql(connection), [user.pk, True])
            access = _access_of(cursor.fetchall())
    if user is not None:
        setattr(user, _CACHE_ATTR, access)
    return access


def clear_cache(user) -> None:
    """Forget the cached memberships of this user object (after changing them), and
    the global permissions ModelBackend cached on it (a long-lived connection's user
    reads both anew)."""
    for name in (_CACHE_ATTR, *_DJANGO_CACHES):
        if hasattr(user, name):
            delattr(user, name)


def _is_superuser(user) -> bool:
    return bool(user is not None and user.is_active and user.is_superuser)


def _organization_id(organization):
    return getattr(organization, "pk", organization)


def has_perm_in_org(user, perm: str, organization) -> bool:
    """True for an active superuser; otherwise when the user's active membership in the
    organization has a role holding `perm` ("app_label.codename")."""
    if organization is None:
        return False
    if _is_superuser(user):
        return True
    return perm in _access(user).permissions.get(_organization_id(organization), ())


def org_permission(perm: str):
    """A workflow transition's permission (django-fsm `permission=`), held through the
    user's role in the record's organization (has_perm_in_org), as every permission on
    organization data."""

    def check(instance, user) -> bool:
        return has_perm_in_org(user, perm, instance.organization_id)

    check.perm = perm
    return check


def organizations_with_perm(user, perm: str) -> list[int] | None:
    """Ids of the organizations where the user holds `perm`; None means all (superuser)."""
    if _is_superuser(user):
        return None
    return [org for org, perms in _access(user).permissions.items() if perm in perms]


def member_organization_ids(user) -> list[int] | None:
    """Ids of the organizations of the user's active memberships; None means all."""
    if _is_superuser(user):
        return None
    return list(_access(user).roles)


def member_role_ids(user) -> set[int]:
    """Ids of the roles (Groups) of the user's active memberships."""
    return set(_access(user).roles.values())


def member_roles_with_field_rules(user) -> set[int]:
    """Ids of the roles of the user's active memberships that have field rules."""
    return set(_access(user).roles_with_field_rules)


def role_in_org(user, organization) -> int | None:
    """Id of the user's role (Group) in the organization, if an active member."""
    return _access(user).roles.get(_organization_id(organization))


def permissions_in_org(user, organization) -> set[str]:
    """The user's effective permissions in the organization ("app_label.codename")."""
    if _is_superuser(user):
        return set(load_permission_names().values())
    return set(_access(user).permissions.get(_organization_id(organization), ()))


def visible_organization_ids(
    user,
    model,
    actions: tuple[str, ...] = ("view",),
    *,
    global_perms: bool = False,
    members_see_organizations: bool = False,
) -> set[int] | None:
    """Ids of the organizations whose records of `model` the user may `actions` (any of
    them): where their role holds the model's permission. None means every one: an
    active superuser, or, with `global_perms`, a user holding the permission globally
    (staff). With `members_see_organizations`, the organizations themselves are the
    user's own (active memberships), whatever their role (the Admin's choices)."""
    meta = model._meta
    perms = [f"{meta.app_label}.{action}_{meta.model_name}" for action in actions]
    if global_perms and user is not None and any(user.has_perm(perm) for perm in perms):
        return None
    if members_see_organizations:
        from core.registry import is_organization

        if is_organization(model):
            ids = member_organization_ids(user)
            return None if ids is None else set(ids)
    found = set()
    for perm in perms:
        ids = organizations_with_perm(user, perm)
        if ids is None:
            return None
        found.update(ids)
    return found


def visible_to(queryset, user, action: str = "view", *, global_perms: bool = False):
    """The records of `queryset` (or of a model) that `user` may `action` ("view",
    "change", "delete"): the one answer to "which records may this user see".

    Every record for an active superuser; otherwise the records of the organizations
    where the user's role holds the model's permission (visible_organization_ids),
    found by the model's organization path (core.registry); no shared (unscoped)
    records. With `global_perms`, a user holding the permission globally (staff) sees
    every record.
    """
    from core.registry import organization_path

    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    organizations = visible_organization_ids(
        user, queryset.model, (action,), global_perms=global_perms
    )
    if organizations is None:
        return queryset
    path = organization_path(queryset.model)
    if path is None or not organizations:
        return queryset.none()
    queryset = queryset.filter(**{f"{path}__in": organizations})
    restrict = getattr(queryset.model, "restrict_visible", None)
    return restrict(queryset, user) if restrict is not None and action == "view" else queryset


def users_who_may(user_ids, record, action: str = "view") -> set[int]:
    """Of the users `user_ids`, the active ones who may `action` `record`: visible_to's
    rule, answered for many users at once (a notification's recipients) in a constant
    number of queries."""
    from django.contrib.auth import get_user_model

    from core.registry import organization_id_of

    users = get_user_model().objects.filter(pk__in=list(user_ids), is_active=True)
    may = Q(is_superuser=True)
    # None for shared data: superusers only, as visible_to answers.
    organization_id = organization_id_of(record)
    if organization_id is not None:
        OrganizationMembership = apps.get_model("organization", "OrganizationMembership")
        meta = type(record)._meta
        members = OrganizationMembership.objects.filter(
            organization_id=organization_id,
            is_active=True,
            role__permissions__content_type__app_label=meta.app_label,
            role__permissions__codename=f"{action}_{meta.model_name}",
        ).order_by()  # not the memberships' default order: two more joins and a sort
        may |= Q(pk__in=members.values("user_id"))
    found = dict(users.filter(may).values_list("pk", "is_superuser"))
    restrict = getattr(type(record), "restrict_viewers", None)
    if restrict is None or action != "view" or not found:
        return set(found)
    superusers = {pk for pk, is_superuser in found.items() if is_superuser}
    return superusers | restrict(set(found) - superusers, record)
