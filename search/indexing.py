"""From records to what the backends index: IndexDocuments, read in batches."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from core import registry
from core.searching import SearchDeclaration
from core.tagging import prefetch_tags

from .text import words

ORGANIZATION = "_search_organization"


@dataclass(frozen=True)
class IndexDocument:
    """One record as the index holds it: normalized words (search.text)."""

    object_id: int
    organization_id: int | None
    title: str
    fields: dict  # {field name: its normalized words, space separated}
    tags: tuple[str, ...]
    status: str
    created_at: object  # datetime or None

    def text_of_weight(self, declaration: SearchDeclaration, weight: str) -> str:
        return " ".join(
            self.fields.get(name, "") for name in declaration.fields_of_weight(weight)
        ).strip()


def _normalized(text: str) -> str:
    return " ".join(words(text[: settings.SEARCH_MAX_FIELD_LENGTH]))


def indexed_records(declaration: SearchDeclaration):
    """The declaration's records, with their organization's id and related rows."""
    model = declaration.model
    queryset = model._default_manager.all()
    path = registry.organization_path(model)
    if path is not None:
        queryset = queryset.annotate(**{ORGANIZATION: F(path)})
    if declaration.select_related:
        queryset = queryset.select_related(*declaration.select_related)
    if declaration.where is not None:
        queryset = queryset.filter(declaration.where)
    return queryset.order_by("pk")


def documents_of(declaration: SearchDeclaration, records: list) -> list[IndexDocument]:
    if not records:
        return []
    taggable = registry.features(declaration.model).taggable
    if taggable:
        prefetch_tags(records)
    documents = []
    for record in records:
        fields = {
            name: _normalized(declaration.text_of(record, name)) for name in declaration.fields
        }
        status = getattr(record, declaration.status, "") if declaration.status else ""
        documents.append(
            IndexDocument(
                object_id=record.pk,
                organization_id=getattr(record, ORGANIZATION, None),
                title=_normalized(declaration.title_of(record)),
                fields=fields,
                tags=tuple(" ".join(words(tag.name)) for tag in record.tags.all())
                if taggable
                else (),
                status=str(status or ""),
                created_at=getattr(record, "created_at", None),
            )
        )
    return documents


def documents_for(declaration: SearchDeclaration, object_ids) -> tuple[list, list]:
    """(documents of the records of `object_ids` that exist, ids of those that don't)."""
    records = list(indexed_records(declaration).filter(pk__in=list(object_ids)))
    found = {record.pk for record in records}
    return documents_of(declaration, records), [pk for pk in object_ids if pk not in found]


def batches(declaration: SearchDeclaration, size: int):
    """Every record's document, `size` records at a time, in primary key order."""
    queryset = indexed_records(declaration)
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        records = list(page[:size])
        if not records:
            return
        last = records[-1].pk
        yield documents_of(declaration, records)
