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
