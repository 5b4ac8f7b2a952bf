"""The search API's parameters and answers."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.searching import declaration_named, declarations

from .backends.base import Filters
from .text import parse, words


def _listed(value: str) -> list[str]:
    return [each.strip() for each in value.split(",") if each.strip()]


class QueryField(serializers.CharField):
    """The query: at most SEARCH_MAX_QUERY_LENGTH characters, with a word or number."""

    def __init__(self, **kwargs):
        super().__init__(max_length=settings.SEARCH_MAX_QUERY_LENGTH, **kwargs)

    def run_validation(self, data=serializers.empty):
        parsed = parse(super().run_validation(data))
        if not parsed:
            raise serializers.ValidationError(_("Enter at least one word or number to search for."))
        return parsed


class TypesField(serializers.CharField):
    def to_internal_value(self, data):
        chosen = []
        for name in _listed(super().to_internal_value(data)):
            declaration = declaration_named(name.lower())
            if declaration is None:
                known = ", ".join(each.type_name for each in declarations())
                raise serializers.ValidationError(
                    _("Unknown type %(name)s: choose among %(known)s.")
                    % {"name": name[:50], "known": known}
                )
            if declaration not in chosen:
                chosen.append(declaration)
        return chosen


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AutocompleteParameters(serializers.Serializer):
    q = QueryField(help_text=_("What the user has typed so far."))
    type = TypesField(
        required=False,
        help_text=_("Only these types, comma separated (product,contact,...)."),
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=20, default=8, help_text=_("At most 20.")
    )


class SearchParameters(serializers.Serializer):
    q = QueryField(
        help_text=_(
            'Words (each matches a word or the start of one, accents ignored) and "quoted phrases".'
        )
    )
    type = TypesField(
        required=False,
        help_text=_("Only these types, comma separated (product,contact,...)."),
    )
    organization = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text=_("Only this organization's.")
    )
    tags = serializers.CharField(
        required=False, max_length=500, help_text=_("Only records with all these tags.")
    )
    status = serializers.CharField(required=False, max_length=50)
    created_after = serializers.DateField(required=False, help_text=_("Created on or after."))
    created_before = serializers.DateField(required=False, help_text=_("Created on or before."))
    page = serializers.IntegerField(required=False, min_value=1, max_value=2**31, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, default=settings.REST_FRAMEWORK["PAGE_SIZE"]
    )

    def validate_page_size(self, value):
        return min(value, settings.MAX_PAGE_SIZE)

    def validate(self, attrs):
        if attrs["page"] * attrs["page_size"] > settings.SEARCH_MAX_RESULTS + attrs["page_size"]:
            raise serializers.ValidationError(
                {
                    "page": [
                        _("A search shows its first %(n)s results: refine the query.")
                        % {"n": settings.SEARCH_MAX_RESULTS}
                    ]
                }
            )
        return attrs

    def filters(self) -> Filters:
        data = self.validated_data
        after, before = data.get("created_after"), data.get("created_before")
        return Filters(
            organization=data.get("organization"),
            tags=tuple(" ".join(words(tag)) for tag in _listed(data.get("tags", "")) if words(tag)),
            status=data.get("status") or None,
            created_after=_start_of(after) if after else None,
            created_before=_start_of(before + datetime.timedelta(days=1)) if before else None,
        )


class FacetSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class OrganizationFacetSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    type = FacetSerializer(many=True)
    organization = OrganizationFacetSerializer(many=True)


class HitSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("product, contact, ..."))
    id = serializers.IntegerField()
    title = serializers.CharField()
    snippet = serializers.CharField(
        help_text=_("HTML: where the record matched, matching words in <mark>, escaped.")
    )
    field = serializers.CharField(allow_null=True, help_text=_("The field of the snippet."))
    score = serializers.FloatField()
    organization = serializers.IntegerField(allow_null=True)
    url = serializers.URLField()


class SearchResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    facets = FacetsSerializer()
    results = HitSerializer(many=True)


class SuggestionSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    organization = serializers.IntegerField(allow_null=True)
    url = serializers.URLField()


class SuggestionsSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True)
