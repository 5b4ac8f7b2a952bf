"""The product workflow over the API: draft -> active -> discontinued -> draft, with
its conditions, permissions and audit rows."""

import pytest

from api.v1.base_models.organization.tests.factories import (
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog

from ..conftest import product_url

pytestmark = pytest.mark.django_db


def transition_rows(product):
    return AuditLog.objects.filter(
        content_type__model="product", object_id=str(product.pk), action_type="TRANSITION"
    ).order_by("id")


def test_the_whole_workflow(jwt_client, admin_a, org_a):
    product = ProductFactory(organization=org_a)
    client = jwt_client(admin_a)
    steps = [
        ("activate", "active", {}),
        ("discontinue", "discontinued", {"reason": "Replaced by the v2"}),
        ("reset-to-draft", "draft", {}),
    ]
    for action, state, body in steps:
        response = client.post(product_url(product.pk, action), body, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == state
        product.refresh_from_db()
        assert product.status == state
    rows = list(transition_rows(product))
    assert [
        (row.context["transition"], row.context["source"], row.context["target"]) for row in rows
    ] == [
        ("activate", "draft", "active"),
        ("discontinue", "active", "discontinued"),
        ("reset_to_draft", "discontinued", "draft"),
    ]
    assert all(row.user_id == admin_a.pk for row in rows)
    assert all(row.organization_id == org_a.pk for row in rows)
    assert rows[0].changes == {"status": {"old": "draft", "new": "active"}}
    assert rows[1].context["reason"] == "Replaced by the v2"
    assert "reason" not in rows[0].context
    # The history of the product shows them, newest first.
    history = client.get(product_url(product.pk, "history")).json()["results"]
    assert [row["action_type"] for row in history][:3] == ["TRANSITION"] * 3
    assert history[0]["context"]["transition"] == "reset_to_draft"


def test_not_allowed_from_the_current_state_is_a_409(jwt_client, admin_a, org_a):
    product = ProductFactory(organization=org_a)
    client = jwt_client(admin_a)
    for action in ("discontinue", "reset-to-draft"):
        response = client.post(product_url(product.pk, action), format="json")
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "transition_not_allowed"
        assert "'draft'" in response.json()["detail"]
    product.refresh_from_db()
    assert product.status == "draft"
    assert not transition_rows(product).exists()


def test_a_failed_condition_is_a_409_naming_it(jwt_client, admin_a, org_a):
    product = ProductFactory(organization=org_a, description="", category=None)
    response = jwt_client(admin_a).post(product_url(product.pk, "activate"), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_condition_failed"
    assert [item["name"] for item in body["conditions"]] == ["has_description", "has_category"]
    assert "needs a description" in body["detail"]
    assert "needs a category" in body["detail"]
    product.refresh_from_db()
    assert product.status == "draft"
    assert not transition_rows(product).exists()


def test_without_the_transition_permission_is_a_403(jwt_client, member_a, viewer_a, org_a):
    product = ProductFactory(organization=org_a)
    response = jwt_client(viewer_a).post(product_url(product.pk, "activate"), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    # A member activates and discontinues, but may not take a product back to draft.
    client = jwt_client(member_a)
    assert client.post(product_url(product.pk, "activate")).status_code == 200
    assert client.post(product_url(product.pk, "reset-to-draft")).status_code == 403
    product.refresh_from_db()
    assert product.status == "active"


def test_the_permission_is_the_one_held_in_the_product_s_organization(jwt_client, org_a, org_b):
    # Activating in B, only viewing in A: A's product cannot be activated.
    user = UserFactory()
    activator = RoleFactory(permissions=[*model_permissions(Product), "products.activate_product"])
    OrganizationMembershipFactory(user=user, organization=org_b, role=activator)
    OrganizationMembershipFactory(
        user=user,
        organization=org_a,
        role=RoleFactory(permissions=model_permissions(Product, "view")),
    )
    product_a = ProductFactory(organization=org_a)
    product_b = ProductFactory(organization=org_b)
    client = jwt_client(user)
    assert client.post(product_url(product_a.pk, "activate")).status_code == 403
    assert client.post(product_url(product_b.pk, "activate")).status_code == 200


def test_another_organization_s_product_is_a_404(jwt_client, admin_b, org_a):
    product = ProductFactory(organization=org_a)
    client = jwt_client(admin_b)
    assert client.post(product_url(product.pk, "activate")).status_code == 404
    assert client.get(product_url(product.pk, "available-transitions")).status_code == 404
    product.refresh_from_db()
    assert product.status == "draft"


def test_a_reason_too_long_is_a_400(jwt_client, admin_a, org_a):
    product = ProductFactory(organization=org_a, status="active")
    response = jwt_client(admin_a).post(
        product_url(product.pk, "discontinue"), {"reason": "x" * 501}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    product.refresh_from_db()
    assert product.status == "active"


class TestAvailableTransitions:
    def test_what_each_user_may_run_now(self, jwt_client, admin_a, member_a, viewer_a, org_a):
        draft = ProductFactory(organization=org_a)
        active = ProductFactory(organization=org_a, status="active")
        incomplete = ProductFactory(organization=org_a, description="")

        def available(user, product):
            response = jwt_client(user).get(product_url(product.pk, "available-transitions"))
            assert response.status_code == 200, response.content
            return response.json()

        body = available(admin_a, draft)
        assert body["state"] == "draft"
        assert body["available_transitions"] == ["activate"]
        assert body["transitions"] == [
            {"name": "activate", "action": "activate", "label": "Activate", "target": "active"}
        ]
        assert available(admin_a, active)["available_transitions"] == [
            "discontinue",
            "reset_to_draft",
        ]
        assert available(member_a, active)["available_transitions"] == ["discontinue"]
        assert available(viewer_a, active)["available_transitions"] == []
        # A condition not met: not available now.
        assert available(admin_a, incomplete)["available_transitions"] == []


def test_concurrent_transitions_one_wins(jwt_client, admin_a, org_a):
    """Two requests read the draft product; the second to save finds it changed."""
    from core.workflows import ConcurrentTransitionConflict, run_transition

    product = ProductFactory(organization=org_a)
    first = Product.objects.get(pk=product.pk)
    second = Product.objects.get(pk=product.pk)
    run_transition(first, "activate", user=admin_a)
    with pytest.raises(ConcurrentTransitionConflict):
        run_transition(second, "activate", user=admin_a)
    assert transition_rows(product).count() == 1


def test_a_transition_from_a_version_read_before_a_change_is_412(jwt_client, admin_a, org_a):
    product = ProductFactory(organization=org_a)
    client = jwt_client(admin_a)
    read = client.get(product_url(product.pk)).headers["ETag"]
    renamed = client.patch(product_url(product.pk), {"name": "Renamed"}, format="json")
    current = renamed.headers["ETag"]

    refused = client.post(product_url(product.pk, "activate"), HTTP_IF_MATCH=read)

    assert refused.status_code == 412, refused.content
    assert refused.headers["ETag"] == current
    product.refresh_from_db()
    assert product.status == "draft"
    assert not transition_rows(product).exists()
    done = client.post(product_url(product.pk, "activate"), HTTP_IF_MATCH=current)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "active"
    assert done.headers["ETag"] not in (read, current)
    assert done.headers["ETag"] == client.get(product_url(product.pk)).headers["ETag"]
