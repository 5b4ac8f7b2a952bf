"""The tags in use, as the caller may see them: `GET /api/v1/tags/`.

Tags themselves are shared by every organization (django-taggit's Tag), so a tag is
listed only when it is on a record the caller may view, and its count is the number
of such records: a tag used only in another organization is never revealed. The
taggable models are those of the feature registry; each is visible as its viewset
would show it (the caller's organizations where their role may view the model).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from taggit.models import Tag

from core.tagging import taggable_models
from rbac.access import visible_to


def visible_items(user, models, prefix: str = "") -> Q | None:
    """The condition on TaggedItem rows (reached through `prefix`) of the records of
    `models` that `user` may view (None: none at all). The taggings of a model whose
    every record the user may view are those of its content type (a record's taggings
    go with it), without a subquery of its records."""
    condition, whole = None, []
    for model in models:
        records = visible_to(model, user)
        if records.query.is_empty():
            continue  # none of them (shared data: superusers only)
        content_type = ContentType.objects.get_for_model(model)
        if not records.query.where:
            whole.append(content_type.pk)
            continue
        part = Q(
            **{
                f"{prefix}content_type": content_type,
                f"{prefix}object_id__in": records.values("pk"),
            }
        )
        condition = part if condition is None else condition | part
    if whole:
        part = Q(**{f"{prefix}content_type__in": whole})
        condition = part if condition is None else condition | part
    return condition


def visible_tags(user, models=None):
    """Tags on records `user` may view, each with `count`: how many such records."""
    items = "taggit_taggeditem_items__"
    condition = visible_items(user, (models or taggable_models()).values(), prefix=items)
    if condition is None:
        return Tag.objects.none()
    # Filtered (on the join) before the annotation: only the visible taggings count.
    return (
        Tag.objects.filter(condition)
        .annotate(count=Count("taggit_taggeditem_items"))
        .order_by("name")
    )


@extend_schema_field({"type": "string", "pattern": r"^[^\s/]+$"})
class TagSlugField(serializers.CharField):
    """A tag's slug: it keeps the letters of any script ("café", "日本"), as names do.
    (JSON Schema patterns are ECMA regular expressions, whose \\w is ASCII only.)"""


class TagSerializer(serializers.ModelSerializer):
    slug = TagSlugField(read_only=True, help_text="Letters of any script, digits, _ and -.")
    count = serializers.IntegerField(
        read_only=True, help_text="Records carrying the tag that you may view."
    )

    class Meta:
        model = Tag
        fields = ["name", "slug", "count"]
        read_only_fields = fields


MODEL_PARAMETER = OpenApiParameter(
    "model",
    OpenApiTypes.STR,
    description='Only the tags of one kind of record: "products.product", or "product".',
)


@extend_schema_view(
    list=extend_schema(tags=["tags"], parameters=[MODEL_PARAMETER]),
    retrieve=extend_schema(tags=["tags"], parameters=[MODEL_PARAMETER]),
)
class TagViewSet(viewsets.ReadOnlyModelViewSet):
    """The tags used on records you may view (organizations, contacts, products,
    warehouses, ...), with how many of those records carry each. Tags are created by
    tagging a record: send `tags` (a list of names) with it."""

    serializer_class = TagSerializer
    lookup_field = "slug"
    search_fields = ["name"]
    ordering_fields = ["name", "count"]
    json_filter_fields = ("name", "slug")
    queryset = Tag.objects.none()  # the real one is per caller (get_queryset)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Tag.objects.none()
        models = taggable_models()
        wanted = self.request.query_params.get("model")
        if wanted:
            models = {wanted: self._taggable_model(models, wanted)}
        return visible_tags(self.request.user, models)

    @staticmethod
    def _taggable_model(models: dict[str, type], wanted: str) -> type:
        """The model named "app_label.model", or by its model name alone ("product")
        when no other taggable model has that name."""
        wanted = wanted.strip().lower()
        if wanted in models:
            return models[wanted]
        same_name = [model for model in models.values() if model._meta.model_name == wanted]
        if len(same_name) == 1:
            return same_name[0]
        raise ValidationError(
            {
                "model": [
                    _("Not a taggable model: %(model)s. Choose from: %(models)s.")
                    % {"model": wanted, "models": ", ".join(sorted(models))}
                ]
            }
        )
