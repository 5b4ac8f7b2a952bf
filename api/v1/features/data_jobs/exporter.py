"""Exporting a model's list to a file, in chunks.

The records are those the list would show the job's requester with the same query
parameters (`?filter=`, filters, search, ordering: the view's own `filter_queryset`),
in the job's organization. They are read in chunks of DATA_JOB_BATCH_SIZE through the
list's row plan (rbac.rows: each field of the serializer's representation read
from the rows of `.values()`) where the serializer allows, else through the serializer
over instances; then written as rows (data_jobs.resources: the columns the caller may
read in the job's organization, field rules applied) by a streaming writer
(data_jobs.formats). Memory holds one chunk, whatever the number of records.
"""

import time
from itertools import islice

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core import registry
from core.tagging import prefetch_tags
from rbac.rows import read_rows, row_plan

from . import formats
from .choices import FileFormat
from .importer import JobCancelled, advance, cancelled
from .resources import Column, DataResource

# Seconds between two records of an export's progress (and checks for its cancellation).
PROGRESS_INTERVAL = 1.0


class TooManyRows(Exception):
    """More records than the format takes (a PDF is for reading)."""


def _chunks(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def representations(resource: DataResource, queryset, size: int):
    """The records of `queryset` one chunk at a time, as (items, {field: value(item)}):
    each field's API representation as a function of an item of the chunk."""
    plan = row_plan(resource.serializer_class, queryset, resource.serializer)
    if plan is not None:
        # Rows, read as the list reads them (rbac.rows), without a dict per record.
        for chunk in _chunks(read_rows(plan, queryset).iterator(chunk_size=size), size):
            yield chunk, plan.readers(chunk, resource.request)
        return
    taggable = registry.features(resource.model).taggable
    fields = {name: _getter(name) for name in resource.serializer().fields}
    for chunk in _chunks(queryset.iterator(chunk_size=size), size):
        if taggable:
            prefetch_tags(chunk)
        yield resource.serializer(instance=chunk, many=True).data, fields


def _getter(name: str):
    return lambda data: data.get(name)


def _natural_keys(columns: list[Column], resource: DataResource, items, values) -> dict:
    """{field: {id: natural key}} of the chunk's relations shown by natural key."""
    fields = resource.serializer().fields
    keys = {}
    for column in columns:
        if column.kind != "relation" or not column.key:
            continue
        value = values[column.field]
        ids = {key for item in items if (key := value(item)) is not None}
        if not ids:
            continue
        model = fields[column.field].get_queryset().model
        keys[column.field] = dict(
            model._base_manager.filter(pk__any=ids).values_list("pk", column.key)
        )
    return keys


def _reader(column: Column, values: dict, keys: dict):
    """cell(item): the column's cell of an item of a chunk (`values`: its fields'
    representations by name, `keys`: its natural keys by relation)."""
    value = values[column.field]
    if column.kind == "custom":
        key, format_ = column.key, column.format
        return lambda item: format_((value(item) or {}).get(key))
    if column.kind == "relation" and column.key:
        natural = keys.get(column.field, {})

        def related(item):
            pk = value(item)
            return None if pk is None else natural.get(pk, pk)

        return related
    if column.kind in ("tags", "json"):
        format_ = column.format
        return lambda item: format_(value(item))
    return value


def export(job, resource: DataResource, queryset, fileobj, details: list[str]) -> int:
    """Write the records of `queryset` to `fileobj` in the job's format; the number of
    rows written."""
    total = queryset.count()
    if job.format == FileFormat.PDF and total > settings.DATA_EXPORT_PDF_MAX_ROWS:
        raise TooManyRows(
            _(
                "A PDF export takes at most %(max)s rows, and this list has %(total)s: "
                "narrow it with filters, or export it as CSV or XLSX."
            )
            % {"max": settings.DATA_EXPORT_PDF_MAX_ROWS, "total": total}
        )
    type(job).objects.filter(pk=job.pk).update(total_rows=total)
    columns = resource.export_columns()
    size = settings.DATA_JOB_BATCH_SIZE

    def rows():
        done = reported = 0
        checked = None
        for items, values in representations(resource, queryset, size):
            # The job's progress, and whether it was cancelled, about once a second
            # (PROGRESS_INTERVAL) rather than for every chunk: each is a write.
            now = time.monotonic()
            if checked is None or now - checked >= PROGRESS_INTERVAL:
                if cancelled(job):
                    raise JobCancelled()
                if done > reported:
                    advance(job, cursor=done, done=done - reported, outcome=None, failed=0)
                reported, checked = done, now
            keys = _natural_keys(columns, resource, items, values)
            readers = [_reader(column, values, keys) for column in columns]
            for item in items:
                yield [read(item) for read in readers]
            done += len(items)
        if done > reported:
            advance(job, cursor=done, done=done - reported, outcome=None, failed=0)

    headers = [column.header for column in columns]
    title = str(resource.model._meta.verbose_name_plural).capitalize()
    if job.format == FileFormat.CSV:
        return formats.write_csv(fileobj, headers, rows())
    if job.format == FileFormat.XLSX:
        return formats.write_xlsx(fileobj, headers, rows(), title=title)
    return formats.write_pdf(
        fileobj, headers, rows(), title=title, details=details, generated_at=timezone.now()
    )
