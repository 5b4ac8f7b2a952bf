"""A record's optional link to another record of its organization ("about" a
product, a contact, ...): `content_type` ("app_label.model") and `object_id`.

`RecordLinkSerializerMixin.validate_record_link(attrs, organization)` checks the pair:
the type is an organization's business record (core.registry.is_business_record) and
not one of the serializer's `not_linkable` models, the record is one the caller may
view, in the same organization. Another organization's record is reported exactly like
an id that does not exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core import registry
from core.inputs import primary_key_or_none
from rbac.access import visible_to

RECORD_NOT_FOUND = _("No record of this type with id {id!r} among those you may see.")
RECORD_ELSEWHERE = _("The record belongs to another organization than this {model}.")
NOT_LINKABLE = _("{plural} cannot be about {model}.")


class RecordLinkSerializerMixin:
    """See the module. `not_linkable`: the models ("app_label.model") the serializer's
    records may not be about (themselves, typically)."""

    not_linkable: frozenset[str] = frozenset()

    def linkable(self, model) -> bool:
        return registry.is_business_record(model) and model._meta.label_lower not in (
            self.not_linkable
        )

    def validate_record_link(self, attrs, organization):
        instance = getattr(self, "instance", None)
        content_type = attrs.get("content_type", getattr(instance, "content_type", None))
        object_id = attrs.get("object_id", getattr(instance, "object_id", "") or "")
        if content_type is None:
            if object_id:
                raise serializers.ValidationError({"content_type": [_("This field is required.")]})
            attrs["object_id"] = ""
            return
        model = content_type.model_class()
        own = self.Meta.model._meta
        if not self.linkable(model):
            raise serializers.ValidationError(
                {
                    "content_type": [
                        NOT_LINKABLE.format(
                            plural=str(own.verbose_name_plural).capitalize(),
                            model=f"{content_type.app_label}.{content_type.model}",
                        )
                    ]
                }
            )
        if not object_id:
            raise serializers.ValidationError({"object_id": [_("This field is required.")]})
        found = list(
            visible_to(model, self.context["request"].user)
            .filter(pk=primary_key_or_none(model, object_id))
            .values_list("pk", registry.organization_path(model))[:1]
        )
        if not found:
            raise serializers.ValidationError(
                {"object_id": [RECORD_NOT_FOUND.format(id=object_id)]}
            )
        pk, organization_id = found[0]
        if organization is not None and organization_id != getattr(
            organization, "pk", organization
        ):
            raise serializers.ValidationError(
                {"object_id": [RECORD_ELSEWHERE.format(model=str(own.verbose_name).lower())]}
            )
        attrs["object_id"] = str(pk)
