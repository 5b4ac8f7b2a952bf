"""core.pagination.BoundedCountPagination: page numbers as StandardPagination's, with a
count that stops at `count_limit` rows (or at the end of a page past them), and every
page still reachable past it."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory

from api.v1.base_models.user.serializers import UserSummarySerializer
from api.v1.base_models.user.tests.factories import UserFactory
from core.pagination import BoundedCountPagination, BoundedCountPaginator

pytestmark = pytest.mark.django_db

LIMIT = 5
KEYS = {"count", "count_is_exact", "next", "previous", "results"}


def _count_of(sql: str) -> str:
    """The rows a page's query counts (CountedWithThePage's subquery)."""
    start = sql.upper().index("SELECT COUNT(*) FROM (") + len("SELECT COUNT(*) FROM (")
    return sql[start : sql.index(") counted", start)]


class SmallLimitPagination(BoundedCountPagination):
    count_limit = LIMIT
    max_page_size = 3


class UserListView(ListAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = UserSummarySerializer
    pagination_class = SmallLimitPagination

    def get_queryset(self):
        return get_user_model().objects.order_by("pk")


def _get(query=None, view=UserListView):
    return view.as_view()(APIRequestFactory().get("/users/", query or {}))


def _users(number):
    UserFactory.create_batch(number)
    return list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))


def _page(url):
    """The query parameters of a `next` / `previous` link, for _get()."""
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def _walk(query):
    """Follow the `next` links from the first page: the ids listed, and every page."""
    pages = []
    response = _get(query)
    while True:
        assert response.status_code == 200, response.data
        pages.append(response.data)
        if response.data["next"] is None:
            break
        response = _get(_page(response.data["next"]))
    return [row["id"] for page in pages for row in page["results"]], pages


class TestCount:
    @pytest.mark.parametrize("rows", [0, 1, LIMIT - 1, LIMIT])
    def test_up_to_the_limit_the_count_is_exact(self, rows):
        _users(rows)
        response = _get()
        assert response.status_code == 200
        assert set(response.data) == KEYS
        assert response.data["count"] == rows
        assert response.data["count_is_exact"] is True
        assert list(response.data)[:2] == ["count", "count_is_exact"]

    @pytest.mark.parametrize("rows", [LIMIT + 1, 3 * LIMIT])
    def test_past_the_limit_the_count_is_the_limit(self, rows):
        _users(rows)
        response = _get({"page_size": 2})
        assert response.data["count"] == LIMIT
        assert response.data["count_is_exact"] is False

    def test_a_first_page_longer_than_the_limit_is_counted_to_its_end(self):
        _users(3 * LIMIT)

        class TinyLimitView(UserListView):
            pagination_class = type("Tiny", (SmallLimitPagination,), {"count_limit": 2})

        body = _get({"page_size": 3}, view=TinyLimitView).data
        assert (body["count"], body["count_is_exact"], len(body["results"])) == (3, False, 3)

    def test_the_limit_is_the_setting_by_default(self, settings):
        _users(4)

        class DefaultLimitView(UserListView):
            pagination_class = BoundedCountPagination

        settings.PAGINATION_COUNT_LIMIT = 3
        body = _get({"page_size": 2}, view=DefaultLimitView).data
        assert (body["count"], body["count_is_exact"]) == (3, False)
        settings.PAGINATION_COUNT_LIMIT = 4
        body = _get({"page_size": 2}, view=DefaultLimitView).data
        assert (body["count"], body["count_is_exact"]) == (4, True)
        del settings.PAGINATION_COUNT_LIMIT
        assert BoundedCountPagination().get_count_limit() == 10_000

    @pytest.mark.parametrize(
        ("page", "read"),
        # Page 1 counts LIMIT + 1 rows; page 4 of 2 rows ends past LIMIT: 2 * 4 + 1.
        [(1, LIMIT + 1), (2, LIMIT + 1), (4, 9)],
    )
    def test_the_count_query_reads_no_further_than_the_page_needs(self, page, read):
        _users(3 * LIMIT)
        with CaptureQueriesContext(connection) as queries:
            response = _get({"page": page, "page_size": 2})
        assert response.status_code == 200
        # One query: the page, its count in a column of its own.
        assert len(queries) == 1, queries.captured_queries
        counted = _count_of(queries[0]["sql"])
        assert f"LIMIT {read}" in counted.upper(), counted
        # Unordered: an ORDER BY would make the database walk the ordering's index.
        assert "ORDER BY" not in counted.upper(), counted
        assert response.data["count"] == max(LIMIT, 2 * page)
        assert response.data["count_is_exact"] is False

    @pytest.mark.parametrize("rows", [LIMIT - 1, LIMIT + 3])
    @pytest.mark.parametrize("page", [1, 2])
    def test_every_page_costs_one_query_the_rows_and_their_count(
        self, rows, page, django_assert_num_queries
    ):
        _users(rows)
        with django_assert_num_queries(1):
            response = _get({"page": page, "page_size": 2})
        assert response.status_code == 200


class TestPages:
    @pytest.mark.parametrize("rows", [LIMIT - 1, LIMIT, LIMIT + 1, 12, 13])
    @pytest.mark.parametrize("page_size", [1, 2, 3])
    def test_the_next_links_list_every_row_once_in_order(self, rows, page_size):
        ids = _users(rows)
        listed, pages = _walk({"page_size": page_size})
        assert listed == ids
        assert len(pages) == max(1, -(-rows // page_size))
        assert all(len(page["results"]) == page_size for page in pages[:-1])
        for number, page in enumerate(pages, start=1):
            # Counted as far as the limit, or as the end of the page past it.
            counted = max(LIMIT, number * page_size)
            assert page["count_is_exact"] is (rows <= counted), (number, page)
            assert page["count"] == min(rows, counted), (number, page)
        # The previous links lead back, page by page.
        assert pages[0]["previous"] is None
        for number, page in enumerate(pages[1:], start=2):
            back = _page(page["previous"]) if page["previous"] else {}
            assert int(back.get("page", 1)) == number - 1

    @pytest.mark.parametrize("rows", [LIMIT, 12])
    def test_the_last_page_and_past_it(self, rows):
        ids = _users(rows)
        last = -(-rows // 2)
        response = _get({"page": last, "page_size": 2})
        assert response.status_code == 200
        assert [row["id"] for row in response.data["results"]] == ids[(last - 1) * 2 :]
        assert response.data["next"] is None
        assert _page(response.data["previous"])["page"] == str(last - 1)
        for page in (last + 1, last + 100, 10**6, 10**30, 0, -1, "abc", "1.5", "9" * 5000):
            with CaptureQueriesContext(connection) as queries:
                response = _get({"page": page, "page_size": 2})
            assert response.status_code == 404, page
            assert response.data["detail"] == "Invalid page."
            # At most the count: no rows are fetched for a page that does not exist.
            assert len(queries) <= 1, queries.captured_queries

    def test_page_last_is_the_last_page_while_the_count_is_exact(self):
        ids = _users(LIMIT)
        response = _get({"page": "last", "page_size": 2})
        assert [row["id"] for row in response.data["results"]] == ids[4:]

    def test_page_last_counts_everything(self):
        ids = _users(LIMIT + 6)
        with CaptureQueriesContext(connection) as queries:
            response = _get({"page": "last", "page_size": 2})
        assert [row["id"] for row in response.data["results"]] == ids[10:]
        assert (response.data["count"], response.data["count_is_exact"]) == (LIMIT + 6, True)
        assert response.data["next"] is None
        # The page number needs the count first: a count of its own, then the page.
        assert len(queries) == 2, queries.captured_queries
        assert "LIMIT" not in queries[0]["sql"].upper()

    def test_the_page_size_is_capped_and_checked(self):
        ids = _users(LIMIT + 4)
        response = _get({"page_size": 50})
        assert [row["id"] for row in response.data["results"]] == ids[:3]
        assert _page(response.data["next"]) == {"page": "2", "page_size": "50"}
        assert _get({"page_size": 0}).status_code == 400
        assert _get({"page_size": "x"}).status_code == 400


class TestPaginator:
    """BoundedCountPaginator on its own, as Django's Paginator is used."""

    def test_the_first_page_of_a_longer_list(self):
        paginator = BoundedCountPaginator(list(range(10)), 3, count_limit=5)
        page = paginator.page(1)
        assert list(page) == [0, 1, 2]
        assert (paginator.count, paginator.count_is_exact) == (5, False)
        # The 6th row counted opens a 2nd page.
        assert paginator.num_pages == 2
        assert page.has_next()
        assert page.next_page_number() == 2

    def test_a_page_past_the_limit_counts_to_its_end(self):
        paginator = BoundedCountPaginator(list(range(10)), 3, count_limit=5)
        assert paginator.count == 5  # counted before a page is asked for
        page = paginator.page(4)
        assert list(page) == [9]
        assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (10, True, 4)
        assert not page.has_next()
        assert (page.start_index(), page.end_index()) == (10, 10)
        with pytest.raises(EmptyPage):
            paginator.page(5)

    def test_within_the_limit_it_is_djangos(self):
        paginator = BoundedCountPaginator(list(range(5)), 3, count_limit=5)
        assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (5, True, 2)
        assert list(paginator.page(2)) == [3, 4]
        with pytest.raises(EmptyPage):
            paginator.page(3)

    def test_count_everything(self):
        paginator = BoundedCountPaginator(list(range(10)), 3, count_limit=5)
        assert paginator.count == 5
        paginator.count_everything()
        assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (10, True, 4)


def test_the_response_schema_documents_count_is_exact():
    schema = SmallLimitPagination().get_paginated_response_schema({"type": "array"})
    assert list(schema["properties"]) == ["count", "count_is_exact", "next", "previous", "results"]
    assert schema["properties"]["count_is_exact"]["type"] == "boolean"
    assert {"count", "count_is_exact", "results"} <= set(schema["required"])
    assert str(LIMIT) in schema["properties"]["count"]["description"]


def test_the_browsable_api_page_links_reach_past_the_limit():
    ids = _users(LIMIT + 6)
    pagination = SmallLimitPagination()
    request = APIRequestFactory().get("/users/", {"page": 4, "page_size": 2})
    queryset = get_user_model().objects.order_by("pk")
    rows = pagination.paginate_queryset(queryset, UserListView().initialize_request(request))
    assert [row.pk for row in rows] == ids[6:8]
    context = pagination.get_html_context()
    assert [link.number for link in context["page_links"]] == [1, 2, 3, 4, 5]
    assert "page=5" in context["next_url"]
