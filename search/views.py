"""GET /api/v1/search/ and /api/v1/search/autocomplete/."""

from django.apps import apps
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.registry import organization_model
from core.searching import declaration_of
from rbac.fields import field_restrictions

from . import services
from .serializers import (
    AutocompleteParameters,
    SearchParameters,
    SearchResultsSerializer,
    SuggestionsSerializer,
)
from .text import highlight, matches

TITLE_LENGTH = 120


def _records(hits) -> dict:
    """{(label, id): record} of the hits, one query per type."""
    by_label: dict[str, list[int]] = {}
    for hit in hits:
        by_label.setdefault(hit.label, []).append(hit.object_id)
    found = {}
    for label, ids in by_label.items():
        declaration = declaration_of(apps.get_model(label))
        queryset = declaration.model._default_manager.filter(pk__in=ids)
        if declaration.select_related:
            queryset = queryset.select_related(*declaration.select_related)
        for record in queryset:
            found[(label, record.pk)] = record
    return found


def _hidden(request, declaration, organization_id) -> frozenset:
    if organization_id is None:
        return frozenset()
    return field_restrictions(request, declaration.model, organization_id)[0]


def _title(declaration, record, hidden) -> str:
    if declaration.title_hidden(hidden):
        return f"{declaration.model._meta.verbose_name} {record.pk}"
    title = " ".join(declaration.title_of(record).split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def _snippet(declaration, record, hidden, query) -> tuple[str, str | None]:
    """(snippet HTML, its field): the first readable declared field holding a query
    word, by weight; else the first readable one with text."""
    readable = [
        name
        for name, _weight in sorted(declaration.fields.items(), key=lambda item: item[1])
        if name not in hidden
    ]
    texts = {name: declaration.text_of(record, name) for name in readable}
    for name in readable:
        if texts[name] and matches(texts[name], query):
            return highlight(texts[name], query), name
    for name in readable:
        if texts[name]:
            return highlight(texts[name], query), name
    return "", None


def _url(request, declaration, record) -> str:
    return request.build_absolute_uri(
        reverse(declaration.route, kwargs=declaration.route_kwargs(record))
    )


UNAVAILABLE = OpenApiResponse(
    description="The search engine cannot be reached at the moment (`search_unavailable`)."
)

SEARCH_EXAMPLE = OpenApiExample(
    "Products and contacts matching 'gadget'",
    value={
        "count": 2,
        "next": None,
        "previous": None,
        "facets": {
            "type": [{"value": "product", "count": 1}, {"value": "contact", "count": 1}],
            "organization": [{"value": 1, "name": "Acme", "count": 2}],
        },
        "results": [
            {
                "type": "product",
                "id": 7,
                "title": "Gadget Pro",
                "snippet": "<mark>Gadget</mark> Pro",
                "field": "name",
                "score": 0.607927,
                "organization": 1,
                "url": "https://erp.example.com/api/v1/products/7/",
            }
        ],
    },
    response_only=True,
)


class SearchView(APIView):
    """Every kind of record at once, ranked, with facets: only records of organizations
    where the caller's role may view them, matched and shown only on fields it may read."""

    @extend_schema(
        tags=["search"],
        parameters=[SearchParameters],
        responses={200: SearchResultsSerializer, 503: UNAVAILABLE},
        examples=[SEARCH_EXAMPLE],
    )
    def get(self, request):
        parameters = SearchParameters(data=request.query_params)
        parameters.is_valid(raise_exception=True)
        data = parameters.validated_data
        page, size = data["page"], data["page_size"]
        query = data["q"]
        result = services.search(
            request,
            query,
            chosen=data.get("type"),
            filters=parameters.filters(),
            offset=(page - 1) * size,
            limit=size,
        )
        records = _records(result.hits)
        results = []
        for hit in result.hits:
            record = records.get((hit.label, hit.object_id))
            if record is None:  # deleted since it was indexed
                continue
            declaration = declaration_of(type(record))
            hidden = _hidden(request, declaration, hit.organization_id)
            snippet, field = _snippet(declaration, record, hidden, query)
            results.append(
                {
                    "type": declaration.type_name,
                    "id": record.pk,
                    "title": _title(declaration, record, hidden),
                    "snippet": snippet,
                    "field": field,
                    "score": hit.score,
                    "organization": hit.organization_id,
                    "url": _url(request, declaration, record),
                }
            )
        url = request.build_absolute_uri()
        names = dict(
            organization_model()
            ._default_manager.filter(pk__in=[pk for pk in result.organizations if pk])
            .values_list("pk", "name")
        )
        return Response(
            {
                "count": result.total,
                "next": replace_query_param(url, "page", page + 1)
                if page * size < result.total
                else None,
                "previous": replace_query_param(url, "page", page - 1) if page > 1 else None,
                "facets": {
                    "type": [
                        {"value": apps.get_model(label)._meta.model_name, "count": count}
                        for label, count in sorted(
                            result.types.items(), key=lambda item: (-item[1], item[0])
                        )
                    ],
                    "organization": [
                        {"value": pk, "name": names.get(pk), "count": count}
                        for pk, count in sorted(
                            result.organizations.items(), key=lambda item: (-item[1], item[0] or 0)
                        )
                    ],
                },
                "results": results,
            }
        )


class AutocompleteView(APIView):
    """The best few records whose title-like fields start with what was typed."""

    @extend_schema(
        tags=["search"],
        parameters=[AutocompleteParameters],
        responses={200: SuggestionsSerializer, 503: UNAVAILABLE},
    )
    def get(self, request):
        parameters = AutocompleteParameters(data=request.query_params)
        parameters.is_valid(raise_exception=True)
        data = parameters.validated_data
        hits = services.autocomplete(
            request, data["q"], chosen=data.get("type"), limit=data["limit"]
        )
        records = _records(hits)
        results = []
        for hit in hits:
            record = records.get((hit.label, hit.object_id))
            if record is None:
                continue
            declaration = declaration_of(type(record))
            hidden = _hidden(request, declaration, hit.organization_id)
            results.append(
                {
                    "type": declaration.type_name,
                    "id": record.pk,
                    "title": _title(declaration, record, hidden),
                    "organization": hit.organization_id,
                    "url": _url(request, declaration, record),
                }
            )
        return Response({"results": results})
