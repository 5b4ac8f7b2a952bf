"""Tags (django-taggit) on the platform's records: which models are taggable, and tag
slugs that can always be addressed. The tags endpoint is api.base.tags."""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver
from taggit.models import Tag

from . import copying
from .registry import models_with


def taggable_models() -> dict[str, type]:
    """{"app_label.model": model} of every model with tags (core.registry)."""
    return {model._meta.label_lower: model for model in models_with("taggable")}


@receiver(pre_save, sender=Tag)
def _addressable_slug(sender, instance, **kwargs):
    """A name that slugifies to nothing ("!!!") gets a slug of its own, derived from the
    name, so that `/tags/<slug>/` can address it (taggit would store an empty one)."""
    if not instance.slug:
        digest = hashlib.sha256(instance.name.encode("utf-8", "surrogatepass")).hexdigest()
        instance.slug = f"tag-{digest[:12]}"


# The query of tag_rows, in SQL written once per tags field and database: it runs for
# every record read with its tags (a detail, a page of a list, an export's chunk), and
# the ORM spent longer building it than the database running it.
_TAG_ROWS = (
    "SELECT i.{object_id}, t.{pk}, t.{name}, t.{slug} FROM {items} i"
    " INNER JOIN {tags} t ON t.{pk} = i.{tag}"
    " WHERE i.{content_type} = %s AND i.{object_id} {matches}"
)
_TAG_ROWS_SQL: dict = {}  # by (tags field, database alias)


def tag_rows(field, ids) -> list[tuple]:
    """(record id, tag id, name, slug) of every tag of the records `ids` (integer keys,
    as the tagged items' `object_id` holds them) of the model of tags field `field` (a
    TaggableManager), in one query and no particular order."""
    ids = list(ids)
    if not ids:
        return []
    model, through = field.model, field.through
    connection = connections[router.db_for_read(through)]
    sql = _TAG_ROWS_SQL.get((field, connection.alias))
    if sql is None:
        tag_model, quote = field.related_model, connection.ops.quote_name
        names = {
            "items": through._meta.db_table,
            "tags": tag_model._meta.db_table,
            "object_id": through._meta.get_field("object_id").column,
            "tag": through._meta.get_field("tag").column,
            "content_type": through._meta.get_field("content_type").column,
            "pk": tag_model._meta.pk.column,
            "name": tag_model._meta.get_field("name").column,
            "slug": tag_model._meta.get_field("slug").column,
        }
        if connection.vendor == "postgresql":
            # The ids as one array of the column's own type (core.db.lookups).
            array = f"{through._meta.get_field('object_id').cast_db_type(connection)}[]"
            matches = f"= ANY(%s::{array})"
        else:
            matches = "IN ({placeholders})"
        sql = _TAG_ROWS.format(matches=matches, **{key: quote(name) for key, name in names.items()})
        _TAG_ROWS_SQL[(field, connection.alias)] = sql
    content_type = ContentType.objects.get_for_model(model).pk
    if connection.vendor == "postgresql":
        statement, params = sql, [content_type, "{" + ",".join(map(str, ids)) + "}"]
    else:
        statement = sql.format(placeholders=", ".join(["%s"] * len(ids)))
        params = [content_type, *ids]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def prefetch_tags(instances) -> None:
    """Load the tags of these records (of one taggable model) in one query, into the
    cache `prefetch_related("tags")` fills, which the serializers and the ETags read.

    Use it instead of `prefetch_related("tags")`: django-taggit builds and discards a
    filtered queryset per record while prefetching (about half of a 100-row list), this
    builds none. Records whose tags are cached already are left alone, and a change to
    the tags clears the cache as before (django-taggit pops it)."""
    instances = [
        each for each in instances if "tags" not in getattr(each, "_prefetched_objects_cache", {})
    ]
    if not instances:
        return
    field = instances[0]._meta.get_field("tags")
    tag_model = field.related_model
    tags: dict = {}  # one instance per tag, however many records carry it
    found: dict = {}
    for object_id, pk, name, slug in tag_rows(field, {each.pk for each in instances}):
        if pk not in tags:
            tags[pk] = _tag(tag_model, pk, name, slug)
        found.setdefault(object_id, []).append(tags[pk])
    template = QuerySet(model=tag_model)
    for each in instances:
        _cache(each, "tags", template, found.get(each.pk, []))


def _cache(record, field_name: str, template: QuerySet, tags: list) -> None:
    """Put `tags` in the record's tags cache, as a prefetch leaves it: a queryset of
    them, a copy of `template` (one per call, its Query shared: querysets never change
    theirs, they copy it). Building a queryset and its Query for each record took
    longer than reading the records' tags (a bulk write of a thousand records)."""
    cached = QuerySet.__new__(QuerySet)
    cached.__dict__.update(template.__dict__)
    cached._result_cache = tags
    cached._prefetch_done = True
    record.__dict__.setdefault("_prefetched_objects_cache", {})[field_name] = cached


def set_tags(tagged: dict, field_name: str = "tags", *, new: bool = False) -> dict:
    """Give each record ({record: [tag names]}, records of one model) exactly these
    tags, in a constant number of queries whatever the number of records (plus one per
    tag name never used before): the records' current tags in one query, the named tags
    in one, removed rows in one DELETE, added rows in one INSERT (or COPY: core.copying).
    Returns {record: the names of the tags added, sorted}.

    A name matches an existing tag whatever its letter case (TAGGIT_CASE_INSENSITIVE),
    as django-taggit's `set` does, and `m2m_changed` is sent as django-taggit sends it
    (pre/post_remove, pre/post_add, with the tags' pks), so that auditing and any other
    receiver see the same. During those signals the record's tags cache holds its tags
    as they are (receivers may read it instead of querying); afterwards it holds the new
    ones, so that the record reads back without a query.

    `new`: the records were inserted in this transaction, so they hold no tags (not
    read) and no signal is sent: the caller records what was added (audit.bulk puts it
    in the records' CREATE rows, as the signals would have)."""
    if not tagged:
        return {}
    model = type(next(iter(tagged)))
    field = model._meta.get_field(field_name)
    through, tag_model = field.through, field.related_model
    content_type = ContentType.objects.get_for_model(model)
    held: dict = {each.pk: {} for each in tagged}  # record pk -> {tag pk: tag}, now
    if not new:
        for object_id, pk, name, slug in tag_rows(field, held):
            held[object_id][pk] = _tag(tag_model, pk, name, slug)
    named = _tags_named(tag_model, {name for names in tagged.values() for name in names})
    wanted, removed, added = {}, {}, {}  # record pk -> {tag pk: tag}, {tag pk}, {tag pk}
    for record, names in tagged.items():
        wanted[record.pk] = {named[name.casefold()].pk: named[name.casefold()] for name in names}
        removed[record] = held[record.pk].keys() - wanted[record.pk].keys()
        added[record] = wanted[record.pk].keys() - held[record.pk].keys()

    def send(action, record, pks):
        if new:
            return
        m2m_changed.send(
            sender=through,
            instance=record,
            action=action,
            reverse=False,
            model=tag_model,
            pk_set=set(pks),
            using=router.db_for_write(through, instance=record),
        )

    template = QuerySet(model=tag_model)

    def cache(record, tags_by_pk):
        ordered = sorted(tags_by_pk.values(), key=lambda tag: tag.name.casefold())
        _cache(record, field_name, template, ordered)

    for record in tagged:
        if new:
            continue  # no tags held, no signal sent
        cache(record, held[record.pk])
        if removed[record]:
            send("pre_remove", record, removed[record])
        if added[record]:
            send("pre_add", record, added[record])
    gone = Q()
    for record, pks in removed.items():
        if pks:
            gone |= Q(object_id=record.pk, tag_id__in=pks)
    if gone:
        through.objects.filter(gone, content_type=content_type).delete()
    copying.insert_rows(
        through,
        ["content_type_id", "object_id", "tag_id"],
        [[content_type.pk, record.pk, pk] for record, pks in added.items() for pk in pks],
        using=router.db_for_write(through, instance=next(iter(tagged))),
    )
    for record in tagged:
        if removed[record]:
            send("post_remove", record, removed[record])
        cache(record, wanted[record.pk])
        if added[record]:
            send("post_add", record, added[record])
    return {record: sorted(wanted[record.pk][pk].name for pk in added[record]) for record in tagged}


def _tag(tag_model, pk, name, slug):
    tag = tag_model(pk=pk, name=name, slug=slug)
    tag._state.adding = False
    return tag


def _tags_named(tag_model, names: set[str]) -> dict:
    """{casefolded name: tag} of these names, the missing ones created."""
    folded = {}
    for name in sorted(names):
        folded.setdefault(name.casefold(), name)
    found = {}
    if folded:
        candidates = tag_model.objects.annotate(folded_name=Lower("name")).filter(
            Q(name__in=folded.values()) | Q(folded_name__in=[key.lower() for key in folded])
        )
        for tag in candidates.order_by("pk"):
            key = tag.name.casefold()
            if key in folded and (key not in found or tag.name == folded[key]):
                found[key] = tag
    for key, name in folded.items():
        if key not in found:
            found[key] = created_or_existing(tag_model, name)
    return found


def created_or_existing(tag_model, name: str):
    """A new tag `name`, or the one a concurrent request made since it was looked for
    (its insert waits for that request's commit, then fails on the unique name)."""
    try:
        with transaction.atomic():
            return tag_model.objects.create(name=name)
    except IntegrityError:
        existing = tag_model.objects.filter(name=name).first()
        if existing is None:
            raise
        return existing
