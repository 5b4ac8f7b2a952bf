"""Conditional requests (core.conditional) on every endpoint of records, so that an
endpoint added later cannot forget them; and on the records outside the scoped
contract (tests/contract.py has the scoped ones)."""

import pytest
from django.urls import reverse

from api.v1.base_models.common.tests.factories import CategoryFactory
from core.conditional import (
    ConditionalDestroyMixin,
    ConditionalReadMixin,
    ConditionalUpdateMixin,
)

from .apiwalk import api_routes

# Records whose detail routes carry no ETag, and why.
WITHOUT_ETAGS = {
    # The caller's own sessions and API keys: read and revoked, never edited.
    "SessionViewSet",
    "APIKeyViewSet",
    # An invitation addressed to the caller: answered by accepting or declining it.
    "MyInvitationViewSet",
    # A tag's count changes with other records: its own columns are not its version.
    "TagViewSet",
}
UPDATES = {"update", "partial_update"}


def test_every_record_endpoint_offers_conditional_requests():
    missing = []
    for route, callback in api_routes():
        view = callback.cls
        actions = set((getattr(callback, "actions", None) or {}).values())
        if view.__name__ in WITHOUT_ETAGS:
            continue
        if "retrieve" in actions and not issubclass(view, ConditionalReadMixin):
            missing.append(f"{route}: reads without ETag ({view.__name__})")
        if actions & UPDATES and not issubclass(view, ConditionalUpdateMixin):
            missing.append(f"{route}: writes without If-Match ({view.__name__})")
        if "destroy" in actions and not issubclass(view, ConditionalDestroyMixin):
            missing.append(f"{route}: deletes without If-Match ({view.__name__})")
    assert missing == []


def test_the_exceptions_are_still_endpoints_of_the_api():
    names = {callback.cls.__name__ for _route, callback in api_routes()}
    assert names >= WITHOUT_ETAGS


@pytest.mark.django_db
def test_shared_reference_data_written_by_staff_takes_if_match_too(jwt_client, superuser):
    category = CategoryFactory(name="Hardware")
    client = jwt_client(superuser)
    url = reverse("api-v1:category-detail", args=[category.slug])
    etag = client.get(url).headers["ETag"]

    renamed = client.patch(url, {"name": "Tools"}, format="json", HTTP_IF_MATCH=etag)
    assert renamed.status_code == 200, renamed.content
    stale = client.patch(url, {"name": "Lost"}, format="json", HTTP_IF_MATCH=etag)

    assert stale.status_code == 412
    assert stale.headers["ETag"] == renamed.headers["ETag"]
    category.refresh_from_db()
    assert category.name == "Tools"
    assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert client.delete(url, HTTP_IF_MATCH=renamed.headers["ETag"]).status_code == 204
