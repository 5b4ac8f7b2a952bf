from django.utils.text import slugify


def exists_besides(queryset, instance) -> bool:
    """Whether `queryset` holds a row other than `instance` (None or unsaved: any row):
    the uniqueness test of a create or an update."""
    if instance is not None and instance.pk is not None:
        queryset = queryset.exclude(pk=instance.pk)
    return queryset.exists()


def unique_slug(instance, value: str, *, field: str = "slug", fallback: str = "item") -> str:
    """A slug of `value` that no other row of the instance's model uses.

    "Office Chairs" gives "office-chairs", then "office-chairs-2", "office-chairs-3", ...
    Names with nothing sluggable ("!!!") use `fallback`. The result fits the field.
    """
    max_length = instance._meta.get_field(field).max_length
    base = slugify(value)[:max_length].strip("-") or fallback
    others = type(instance)._default_manager.exclude(pk=instance.pk)
    candidate, counter = base, 1
    while others.filter(**{field: candidate}).exists():
        counter += 1
        suffix = f"-{counter}"
        candidate = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
    return candidate
