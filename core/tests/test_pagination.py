import pytest
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory

from api.v1.base_models.user.serializers import UserSummarySerializer
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class UserListView(ListAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = UserSummarySerializer

    def get_queryset(self):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.order_by("pk")


def _get(query=""):
    return UserListView.as_view()(APIRequestFactory().get(f"/users/{query}"))


def test_default_page_shape_and_size(settings):
    UserFactory.create_batch(30)
    response = _get()
    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 30
    assert len(response.data["results"]) == settings.REST_FRAMEWORK["PAGE_SIZE"]
    assert response.data["previous"] is None
    assert "page=2" in response.data["next"]


def test_page_size_is_bounded(settings):
    UserFactory.create_batch(3)
    assert len(_get("?page_size=2").data["results"]) == 2
    # Asking for more than MAX_PAGE_SIZE gets MAX_PAGE_SIZE.
    settings_max = settings.MAX_PAGE_SIZE
    UserFactory.create_batch(settings_max)
    assert len(_get(f"?page_size={settings_max * 10}").data["results"]) == settings_max


def test_page_out_of_range_is_404():
    UserFactory.create_batch(2)
    assert _get("?page=99").status_code == 404


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", "{}"])
def test_a_page_size_that_is_no_whole_number_of_at_least_1_is_a_400(value):
    response = _get(f"?page_size={value}")
    assert response.status_code == 400
    assert response.data == {"page_size": ["Enter a whole number of at least 1."]}


def test_an_empty_page_size_is_the_default(settings):
    UserFactory.create_batch(30)
    assert len(_get("?page_size=").data["results"]) == settings.REST_FRAMEWORK["PAGE_SIZE"]


# ------------------------------------------------ a page and its count in one query
class DistinctUserListView(UserListView):
    def get_queryset(self):
        return super().get_queryset().distinct()


class UserIdListView(UserListView):
    def get_queryset(self):
        return super().get_queryset().values_list("pk", "username")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([{"id": pk, "name": name} for pk, name in page])


class NoUserListView(UserListView):
    def get_queryset(self):
        return super().get_queryset().none()


def _ids():
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize(("query", "rows"), [("", slice(0, 2)), ("?page=3", slice(4, 5))])
def test_a_page_and_its_count_are_one_query(query, rows, django_assert_num_queries):
    UserFactory.create_batch(5)
    separator = "&" if query else "?"
    with django_assert_num_queries(1):
        response = _get(f"{query}{separator}page_size=2")
    assert response.status_code == 200
    assert response.data["count"] == 5
    assert [row["id"] for row in response.data["results"]] == _ids()[rows]
    assert response.data["next"] is None if query else "page=2" in response.data["next"]


def test_an_empty_list_is_a_first_page_of_none(django_assert_num_queries):
    with django_assert_num_queries(1):
        response = _get()
    assert response.status_code == 200
    assert (response.data["count"], response.data["results"]) == (0, [])
    assert _get("?page=2").status_code == 404


def test_a_page_past_the_end_is_a_404_without_a_count(django_assert_num_queries):
    UserFactory.create_batch(3)
    with django_assert_num_queries(1):
        assert _get("?page=3&page_size=2").status_code == 404
    assert _get("?page=0").status_code == 404
    assert _get("?page=x").status_code == 404
    assert _get(f"?page={2**63}").status_code == 404  # past any LIMIT the database takes


def test_lists_whose_count_could_differ_are_counted_by_their_own_query(
    django_assert_num_queries,
):
    UserFactory.create_batch(3)
    for view in (DistinctUserListView, UserIdListView):  # tuples: no column for the count
        # A first page that is not full is the whole list: no count.
        with django_assert_num_queries(1):
            response = view.as_view()(APIRequestFactory().get("/users/"))
        assert (response.data["count"], len(response.data["results"])) == (3, 3)
        # A full first page, and any other, are counted by their own query.
        for query, rows in (("?page_size=3", 3), ("?page_size=2", 2), ("?page=2&page_size=2", 1)):
            with django_assert_num_queries(2):
                response = view.as_view()(APIRequestFactory().get(f"/users/{query}"))
            assert (response.data["count"], len(response.data["results"])) == (3, rows)
        with django_assert_num_queries(1):
            assert (
                view.as_view()(APIRequestFactory().get("/users/?page=3&page_size=2")).status_code
                == 404
            )
    with django_assert_num_queries(0):  # nothing can match: no query at all
        response = NoUserListView.as_view()(APIRequestFactory().get("/users/"))
    assert (response.data["count"], response.data["results"]) == (0, [])
