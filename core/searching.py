"""What the search finds: each app declares its searchable models in its own `search.py`.

    # api/v1/features/products/search.py
    from core.searching import declare

    from .models import Product

    declare(
        Product,
        fields={"name": "A", "sku": "A", "description": "C"},
        route="api-v1:product-detail",
        status="status",
    )

- `fields`: the model's fields (or attributes) whose text is searched, each with its
  weight, "A" (the most) to "D" (the least). The "A" fields are also what autocomplete
  matches. A field rule hiding one of them in an organization keeps it from matching
  and from the snippets of that organization's records (the search app does it).
- `title`: the field shown as the result's title (default: the first "A" field), or a
  function of the record (`title=str`).
- `route`: the URL name of the record's API detail route, for the result's `url`.
- `status`: the field filtered on by `?status=` (optional).
- `select_related`: relations read while indexing and showing results.
- `where`: a condition (a Q) on the records indexed; the others are not found (a comment
  hidden by a moderator).
- `url_kwargs`: the detail route's arguments for a record (default: `{"pk": record.pk}`).
- `visible`: for records whose visibility is not the role's view permission on the model
  (chat messages: their rooms'), a function of the user answering the records they may
  see, in the organizations they are a member of.

The search app (`search/`) imports every app's `search` module, indexes the declared
models, keeps their index entries in step with their model change events (core.events)
and serves `/api/v1/search/`. Text that changes without a change of its record (a
document's file text, extracted in the background) is sent to the index with
`refresh(model, ids)`. This module imports nothing of the project.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal

WEIGHTS = ("A", "B", "C", "D")


@dataclass(frozen=True)
class SearchDeclaration:
    model: type
    fields: dict  # {field name: weight}
    title: object  # a field name, or a function of the record
    route: str
    status: str | None = None
    select_related: tuple = field(default_factory=tuple)
    where: Q | None = None
    url_kwargs: object = None  # a function of the record, or None: {"pk": record.pk}
    visible: object = None  # a function of the user answering a queryset, or None

    def route_kwargs(self, record) -> dict:
        return self.url_kwargs(record) if self.url_kwargs else {"pk": record.pk}

    @property
    def label(self) -> str:
        """ "app_label.model", the type of the results."""
        return self.model._meta.label_lower

    @property
    def type_name(self) -> str:
        """The name of the results' type in the API (`?type=product`)."""
        return self.model._meta.model_name

    def fields_of_weight(self, weight: str) -> list[str]:
        return [name for name, each in self.fields.items() if each == weight]

    def title_of(self, record) -> str:
        return str(self.title(record)) if callable(self.title) else self.text_of(record, self.title)

    def title_hidden(self, hidden) -> bool:
        """Whether a caller from whom field rules hide `hidden` may not see the title: its
        field is hidden, or, for a title computed from the record, an "A" field is."""
        if isinstance(self.title, str) and self.title in self.fields:
            return self.title in hidden
        return any(name in hidden for name in self.fields_of_weight("A"))

    def text_of(self, record, name: str) -> str:
        """The text of field `name` of `record` (its display value for choices)."""
        display = getattr(record, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(record, name, "")
        if value is None:
            return ""
        if callable(value):
            value = value()
        return str(value)


_declarations: dict[type, SearchDeclaration] = {}


def declare(
    model,
    *,
    fields: dict,
    route: str,
    title=None,
    status: str | None = None,
    select_related=(),
    where: Q | None = None,
    url_kwargs=None,
    visible=None,
) -> SearchDeclaration:
    """Make `model` searchable (see the module). Declaring it again replaces the
    declaration."""
    if not fields:
        raise ImproperlyConfigured(f"{model._meta.label}: a search declaration needs fields.")
    for name, weight in fields.items():
        if weight not in WEIGHTS:
            raise ImproperlyConfigured(
                f"{model._meta.label}: search field {name!r} has weight {weight!r}, "
                f"not one of {', '.join(WEIGHTS)}."
            )
        if not hasattr(model, name):
            raise ImproperlyConfigured(f"{model._meta.label}: no field {name!r} to search.")
    first = [name for name, weight in fields.items() if weight == "A"]
    if not first:
        raise ImproperlyConfigured(
            f'{model._meta.label}: a search declaration needs an "A" field (the title).'
        )
    declaration = SearchDeclaration(
        model=model,
        fields=dict(fields),
        title=title or first[0],
        route=route,
        status=status,
        select_related=tuple(select_related),
        where=where,
        url_kwargs=url_kwargs,
        visible=visible,
    )
    _declarations[model] = declaration
    return declaration


def declarations() -> list[SearchDeclaration]:
    """Every declaration, in a stable order (by model label)."""
    return sorted(_declarations.values(), key=lambda each: each.label)


def declaration_of(model) -> SearchDeclaration | None:
    return _declarations.get(model)


def declaration_named(type_name: str) -> SearchDeclaration | None:
    """The declaration whose `type_name` (or label) is `type_name`."""
    for declaration in _declarations.values():
        if type_name in (declaration.type_name, declaration.label):
            return declaration
    return None


# Sent with `object_ids` (a list) when records of the sender (a model) must be indexed
# again though they did not change (refresh): the search app receives it.
stale = Signal()


def refresh(model, object_ids) -> None:
    """Have the records `object_ids` of `model` indexed again once the transaction
    commits: for text of theirs that changed without a change event of theirs."""
    ids = list(object_ids)
    transaction.on_commit(lambda: stale.send(sender=model, object_ids=ids))
