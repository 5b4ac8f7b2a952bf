"""The API contract (tests/contract.py) applied to /api/v1/comments/.

A comment differs from other records in four ways the contract is told of: its
organization is its record's (read-only, and a record the caller may not see is a 404);
its readers must also be able to view the record (products here); it is changed and
deleted by its author only, whatever their role or the superuser's; and a deletion
empties it but keeps its place in its thread."""

from api.v1.features.collaboration.choices import CommentStatus
from api.v1.features.products.tests.factories import ProductFactory
from tests.contract import ScopedEndpointContract
from tests.tenancy import USERS

from .factories import CommentFactory

# The world's records are written by user_a (in A) and user_b (in B).
AUTHORS = {"record_a": "user_a", "record_b": "user_b"}


class TestCommentAPI(ScopedEndpointContract):
    basename = "comment"
    factory = CommentFactory
    update_payload = {"content": "Changed text"}
    target_field = "object_id"  # the record commented on gives the organization
    organization_read_only = True
    foreign_target_status = 404
    extra_permissions = ("products.view_product",)
    writes = {
        user: {record for record, author in AUTHORS.items() if author == user} for user in USERS
    }
    role_decides_writes = False

    def create_payload(self, world, organization):
        product = ProductFactory(organization=organization)
        return {
            "content_type": "products.product",
            "object_id": str(product.pk),
            "content": "What does it weigh?",
        }

    def make_record(self, world, organization):
        author = world.users[AUTHORS["record_a" if organization == world.org_a else "record_b"]]
        return CommentFactory(
            target=ProductFactory(organization=organization),
            created_by=author,
            updated_by=author,
        )

    def search_term(self, record):
        return record.content

    def assert_removed(self, record, client):
        stored = type(record).objects.get(pk=record.pk)
        assert (stored.status, stored.content) == (CommentStatus.DELETED, "")
        body = client.get(self.detail_url(record)).json()
        assert (body["status"], body["content"], body["attachments"]) == ("DELETED", None, [])
