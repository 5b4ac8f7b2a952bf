"""Comments in the Admin: their own pages (moderation by status) and a record's
comments on its page."""

import pytest
from django.urls import reverse

from api.v1.features.collaboration.choices import CommentStatus
from api.v1.features.products.tests.factories import ProductFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_a_records_page_shows_its_comments(admin_client, org):
    product = ProductFactory(organization=org)
    CommentFactory(target=product, content="Ask the supplier.")
    CommentFactory(content="About another product.")

    page = admin_client.get(reverse("admin:products_product_change", args=[product.pk]))

    assert page.status_code == 200
    assert b"Ask the supplier." in page.content
    assert b"About another product." not in page.content


def test_staff_list_comments_and_hide_one(admin_client, org):
    comment = CommentFactory(target=ProductFactory(organization=org), content="Rude words")

    listed = admin_client.get(reverse("admin:collaboration_comment_changelist"))
    url = reverse("admin:collaboration_comment_change", args=[comment.pk])
    saved = admin_client.post(url, {"status": CommentStatus.HIDDEN})

    assert listed.status_code == 200
    assert b"Rude words" in listed.content
    assert saved.status_code == 302, saved.content[:2000]
    comment.refresh_from_db()
    assert (comment.status, comment.content) == (CommentStatus.HIDDEN, "Rude words")
    assert admin_client.get(reverse("admin:collaboration_comment_add")).status_code == 403
