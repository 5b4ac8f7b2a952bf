"""No lost updates under real concurrency: two people change the same product at once,
each from the version they read (If-Match); exactly one change is made."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.organization.tests.factories import (
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
    return client


@pytest.mark.django_db(transaction=True)
def test_two_changes_from_the_same_version_at_once_one_wins_the_other_is_412():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite runs one write transaction at a time)")
    product = ProductFactory(name="Widget")
    role = RoleFactory(permissions=model_permissions(Product))
    editors = [UserFactory(username=f"editor{n}") for n in range(2)]
    for editor in editors:
        OrganizationMembershipFactory(user=editor, organization=product.organization, role=role)
    url = reverse("api-v1:product-detail", args=[product.pk])
    clients = [_client(editor) for editor in editors]
    etag = clients[0].get(url).headers["ETag"]
    assert clients[1].get(url).headers["ETag"] == etag
    barrier = threading.Barrier(2, timeout=10)
    answers = {}

    def change(index):
        try:
            barrier.wait()
            answers[index] = clients[index].patch(
                url, {"name": f"Renamed by {index}"}, format="json", HTTP_IF_MATCH=etag
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [200, 412], [answer.content for answer in answers.values()]
    winner = next(index for index, answer in answers.items() if answer.status_code == 200)
    loser = answers[1 - winner]
    product.refresh_from_db()
    assert product.name == f"Renamed by {winner}"
    assert loser.headers["ETag"] == answers[winner].headers["ETag"]
    updates = AuditLog.objects.filter(object_id=str(product.pk), action_type="UPDATE")
    assert updates.count() == 1
