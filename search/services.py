"""Search: keeping the index in step with the records, and asking it as a user."""

import logging

from django.apps import apps
from django.conf import settings

from core import events, registry
from core.searching import declaration_of, declarations
from rbac.access import member_organization_ids, visible_organization_ids, visible_to
from rbac.fields import field_restrictions, load_field_rules

from .backends import get_backend
from .backends.base import Filters, Scope, SearchRequest
from .indexing import batches, documents_for
from .text import Query

logger = logging.getLogger(__name__)


# The index follows the records -------------------------------------------------------


def on_model_events(changed: list[events.ModelEvent]) -> None:
    """Declared models' records changed (committed, together: one save, or a bulk
    write's batch): have them indexed again, by one Celery task per model and batch of
    SEARCH_BATCH_SIZE records (at once where tasks run eagerly, as in the tests)."""
    from .tasks import update_index

    object_ids: dict[str, dict[int, None]] = {}
    for event in changed:
        try:
            object_ids.setdefault(event.model, {})[int(event.pk)] = None
        except (TypeError, ValueError):
            continue
    size = settings.SEARCH_BATCH_SIZE
    for label, ids in object_ids.items():
        ids = list(ids)
        for start in range(0, len(ids), size):
            update_index.delay(label, ids[start : start + size])


def on_stale(sender, object_ids, **kwargs) -> None:
    """Records of a declared model must be indexed again (core.searching.refresh)."""
    from .tasks import update_index

    if declaration_of(sender) is not None:
        update_index.delay(sender._meta.label_lower, [int(each) for each in object_ids])


def update(label: str, object_ids) -> None:
    declaration = declaration_of(apps.get_model(label))
    if declaration is None:
        return
    documents, gone = documents_for(declaration, object_ids)
    backend = get_backend()
    backend.index(declaration, documents)
    if gone:
        backend.remove(declaration, gone)


def rebuild(declaration, progress=None) -> int:
    """Index every record of the declaration's model afresh (the old index serves
    searches until the new one is complete). `progress(done)` after each batch."""
    done = 0

    def counted():
        nonlocal done
        for documents in batches(declaration, settings.SEARCH_BATCH_SIZE):
            yield documents
            done += len(documents)
            if progress is not None:
                progress(done)

    return get_backend().rebuild(declaration, counted())


# Asking the index as a user ----------------------------------------------------------


def scopes_for(request, chosen=None) -> tuple[Scope, ...]:
    """What the caller may find, per declared type (those of `chosen`, or all): the
    organizations where their role may view the type's records, grouped by the
    declared fields a field rule hides from them there."""
    user = request.user
    scopes = []
    chosen = chosen or declarations()
    load_field_rules(request, [declaration.model for declaration in chosen])
    for declaration in chosen:
        model = declaration.model
        if declaration.visible is not None:
            organizations = member_organization_ids(user)
            organizations = None if organizations is None else set(organizations)
            records = declaration.visible(user).values("pk")
        else:
            organizations = visible_organization_ids(
                user, model, ("view",), members_see_organizations=True
            )
            restrict = getattr(model, "restrict_visible", None)
            records = visible_to(model, user).values("pk") if restrict is not None else None
        if organizations is None:
            scopes.append(Scope(declaration, None, tuple(declaration.fields), records))
            continue
        if registry.organization_path(model) is None:
            continue  # shared data: only superusers find it
        groups: dict[tuple, set] = {}
        for organization in organizations:
            hidden = field_restrictions(request, model, organization)[0]
            readable = tuple(name for name in declaration.fields if name not in hidden)
            groups.setdefault(readable, set()).add(organization)
        for readable, members in groups.items():
            scopes.append(Scope(declaration, frozenset(members), readable, records))
    return tuple(scopes)


def search(request, query: Query, *, chosen=None, filters=None, offset=0, limit=20):
    scopes = scopes_for(request, chosen)
    return get_backend().search(
        SearchRequest(query, scopes, filters or Filters(), offset=offset, limit=limit)
    )


def autocomplete(request, query: Query, *, chosen=None, limit=8):
    scopes = scopes_for(request, chosen)
    return get_backend().autocomplete(SearchRequest(query, scopes, Filters(), limit=limit))
