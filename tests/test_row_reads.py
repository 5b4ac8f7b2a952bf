"""Lists read as rows (rbac.rows) answer exactly what the serializer answers.

Every list of the API whose view reads rows is asked twice, as a superuser and as a
member whose role hides fields in one of their organizations: once as it runs, once
with rows turned off (through model instances and the serializer). The two responses
must be the same bytes. The data: one record of every scoped model, and records that
reach the edges (empty foreign keys on a path, tags, nested channels and addresses).
"""

import re
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from api.base.serializers import ScopedModelSerializer
from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import (
    ContactAddressFactory,
    ContactEmailAddressFactory,
    ContactFactory,
    ContactPhoneNumberFactory,
)
from api.v1.base_models.files.tests.factories import FileStorageFactory
from api.v1.base_models.organization.models import OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationInvitationFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.collaboration.choices import CommentStatus
from api.v1.features.collaboration.models import CommentAttachment
from api.v1.features.collaboration.tests.factories import CommentFactory
from api.v1.features.data_jobs.models import DataJobFile
from api.v1.features.data_jobs.tests.factories import DataJobFactory
from api.v1.features.inventory.models import StockLocation
from api.v1.features.inventory.serializers import StockLocationSerializer
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from api.v1.features.meetings.models import MeetingRecording
from api.v1.features.meetings.tests.factories import MeetingFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.models import CustomFieldDefinition
from notifications.tests.factories import NotificationFactory
from rbac import rows as rows_module
from rbac.models import FieldPermission
from rbac.roles import ROLE_NAMES
from rbac.rows import (
    RecordURLField,
    RowListMixin,
    RowPlan,
    joined_columns_read,
    read_rows,
    row_plan,
)

from .apiwalk import fill, list_routes, seed_scoped_records

pytestmark = pytest.mark.django_db

# Lists that must read rows: a change that makes one of them fall back to instances
# (a method field, a property) is caught here, not in a benchmark.
MUST_READ_ROWS = [
    "/api/v1/comments/",
    "/api/v1/meetings/",
    "/api/v1/data-jobs/",
    "/api/v1/invitations/",
    "/api/v1/organization-invitations/",
    "/api/v1/notifications/",
    "/api/v1/audit-logs/",
    "/api/v1/categories/",
    "/api/v1/custom-field-definitions/",
    "/api/v1/documents/",
    "/api/v1/files/",
    "/api/v1/organizations/",
    "/api/v1/organization-memberships/",
    "/api/v1/contacts/",
    "/api/v1/products/",
    "/api/v1/warehouses/",
    "/api/v1/stock-locations/",
]
HIDDEN = {Product: ["description", "category_name"], Contact: ["notes", "full_name"]}


def row_routes() -> list[tuple[str, type]]:
    routes = []
    for url, callback in list_routes():
        if issubclass(callback.cls, RowListMixin):
            path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", r"{\1\2}", url)
            routes.append((path, callback.cls))
    return routes


def filled_row_routes():
    """(path, URL, view) of each route reading rows whose URL the world can fill."""
    for path, view in row_routes():
        url = fill(path)
        if url is not None:
            yield path, url, view


@pytest.fixture
def world():
    a, b = OrganizationFactory.create_batch(2)
    seed_scoped_records(a)
    ProductFactory(organization=a, category=None, tags=["Red", "blue", "Äpfel"])
    ProductFactory(organization=b, tags=["red"], custom_fields={"size": 3, "note": "x"})
    contact = ContactFactory(organization=a, linked_organization=a, tags=["vip"], notes="n")
    ContactFactory(organization=b, first_name="", last_name="Solo")
    ContactEmailAddressFactory.create_batch(2, contact=contact)
    ContactPhoneNumberFactory(contact=contact)
    ContactAddressFactory(contact=contact, address=AddressFactory(latitude="1.5"))
    CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(Product), key="size", organization=b
    )
    warehouse = WarehouseFactory(organization=b, address=None, tags=["cold"])
    parent = StockLocationFactory(warehouse=warehouse, organization=b)
    StockLocationFactory(warehouse=warehouse, organization=b, parent=parent)

    administrator = Group.objects.get(name=ROLE_NAMES["administrator"])
    restricted = Group.objects.create(name="Administrator with hidden fields")
    restricted.permissions.set(administrator.permissions.all())
    for model, names in HIDDEN.items():
        for name in names:
            FieldPermission.objects.create(
                role=restricted,
                content_type=ContentType.objects.get_for_model(model),
                field_name=name,
                can_read=False,
            )
    member = UserFactory()
    OrganizationMembership.objects.create(user=member, organization=a, role=restricted)
    OrganizationMembership.objects.create(user=member, organization=b, role=administrator)
    # Invitations: pending, pending past its expiry (reads as expired), one to the
    # member (their own list).
    OrganizationInvitationFactory(organization=b)
    OrganizationInvitationFactory(organization=b, expires_at=timezone.now() - timedelta(days=1))
    OrganizationInvitationFactory(organization=a, email=member.email)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    # Notifications: about a record seen, one not seen, none; read and unread.
    product_type = ContentType.objects.get_for_model(Product)
    seen = ProductFactory(organization=b)
    unseen = ProductFactory(organization=OrganizationFactory())
    for recipient in (member, superuser):
        NotificationFactory(
            recipient=recipient,
            organization=b,
            actor=UserFactory(first_name="Ada", last_name="Lovelace"),
            target_content_type=product_type,
            target_object_id=str(seen.pk),
        )
        NotificationFactory(
            recipient=recipient,
            actor=UserFactory(first_name="", last_name="", username=f"nameless{recipient.pk}"),
            target_content_type=product_type,
            target_object_id=str(unseen.pk),
            read_at=timezone.now(),
        )
        NotificationFactory(recipient=recipient)
    # A meeting with a member (named, and one with no name), a guest, a recording.
    meeting = MeetingFactory(
        organization=b,
        host=UserFactory(first_name="Grace", last_name="Hopper"),
        participants=[UserFactory(first_name="", last_name="")],
        guests=["guest@example.com"],
    )
    MeetingRecording.objects.create(
        meeting=meeting, file=FileStorageFactory(organization=b), file_type="video"
    )
    # Data jobs: with an input and an output file, and with none.
    for user in (member, superuser):
        job = DataJobFactory(organization=b, created_by=user)
        for role in ("input", "output"):
            DataJobFile.objects.create(job=job, role=role, file=FileStorageFactory(organization=b))
        DataJobFactory(organization=b, created_by=user)
    # Comments: a thread with mentions, attachments and replies (one hidden, one
    # deleted), an author gone, a thread on another record.
    product = ProductFactory(organization=b)
    thread = CommentFactory(target=product, created_by=UserFactory(first_name="Ada"))
    thread.mentions.set([member, UserFactory(first_name="", last_name="")])
    for stored in FileStorageFactory.create_batch(2, organization=b):
        CommentAttachment.objects.create(comment=thread, file=stored)
    CommentFactory(target=product, parent=thread, status=CommentStatus.HIDDEN)
    deleted = CommentFactory(target=product, parent=thread, status=CommentStatus.DELETED)
    CommentAttachment.objects.create(comment=deleted, file=FileStorageFactory(organization=b))
    CommentFactory(target=ProductFactory(organization=a), created_by=None)
    clients = {}
    for name, user in (
        ("superuser", superuser),
        ("member", member),
    ):
        clients[name] = APIClient()
        clients[name].credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
    return SimpleNamespace(clients=clients, restricted=a, unrestricted=b)


def test_every_list_read_as_rows_answers_what_the_serializer_answers(world, monkeypatch):
    compared = set()
    for path, url, view in filled_row_routes():
        for client in world.clients.values():
            rows = client.get(url, {"page_size": 50})
            with monkeypatch.context() as patch:
                patch.setattr(view, "row_reads", False)
                instances = client.get(url, {"page_size": 50})
            # The same answer, a refusal included (a list of staff's only).
            assert rows.status_code == instances.status_code, (url, rows.content[:300])
            assert rows.content == instances.content, url
            if rows.status_code == 200 and rows.json()["results"]:
                compared.add(path)
    assert set(MUST_READ_ROWS) <= compared


@pytest.mark.parametrize("path", MUST_READ_ROWS)
def test_the_lists_of_the_trunk_read_rows(path):
    view = dict(row_routes())[path]()
    view.request, view.format_kwarg, view.kwargs, view.action = None, None, {}, "list"
    serializer_class = view.get_serializer_class()
    queryset = view.queryset
    if queryset is None:  # built per request (the audit log's)
        queryset = serializer_class.Meta.model._default_manager.all()
    assert row_plan(serializer_class, queryset, view.get_serializer) is not None


def test_hidden_fields_are_left_out_of_rows_per_organization(world):
    client = world.clients["member"]
    for url, hidden in (
        ("/api/v1/products/", HIDDEN[Product]),
        ("/api/v1/contacts/", HIDDEN[Contact]),
    ):
        body = client.get(url, {"page_size": 50}).json()["results"]
        by_organization = {}
        for row in body:
            by_organization.setdefault(row["organization"], []).append(row)
        assert set(by_organization) == {world.restricted.pk, world.unrestricted.pk}
        for row in by_organization[world.restricted.pk]:
            assert not set(hidden) & set(row), row
        for row in by_organization[world.unrestricted.pk]:
            assert set(hidden) <= set(row), row


# What makes a list fall back to instances, and what a plan reads.


def plan_of(serializer_class, queryset=None):
    queryset = Product.objects.all() if queryset is None else queryset
    return row_plan(serializer_class, queryset, lambda: serializer_class(context={}))


class ProductRows(ScopedModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    category_slug = serializers.CharField(source="category.slug", read_only=True)
    base_uom_name = serializers.CharField(source="base_uom.name", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category", "category_name", "category_slug", "base_uom_name"]


def test_an_empty_foreign_key_on_a_path_gives_null_or_leaves_the_key_out(world):
    product = ProductFactory(category=None)
    plan = plan_of(ProductRows)
    rows = list(Product.objects.filter(pk=product.pk).values(*plan.columns))
    (data,) = plan.represent(rows)
    assert data == ProductRows(product).data
    assert data["category_name"] is None
    assert "category_slug" not in data
    assert data["base_uom_name"] == product.base_uom.name
    readers = plan.readers(rows)
    assert readers["category_slug"](rows[0]) is None
    assert {name: readers[name](rows[0]) for name in data} == data


class ProductKeys(ScopedModelSerializer):
    """Fields read from a foreign key's column: its value by the column's attribute, a
    slug of the related row, a content type by its key, a link to the record."""

    category_key = serializers.IntegerField(source="category_id", allow_null=True, read_only=True)
    category_by_slug = serializers.SlugRelatedField(
        source="category", slug_field="slug", read_only=True
    )
    uom_code = serializers.SlugRelatedField(source="base_uom", slug_field="code", read_only=True)
    link = RecordURLField("api-v1:product-detail")

    class Meta:
        model = Product
        fields = ["id", "category_key", "category_by_slug", "uom_code", "link"]


def test_keys_slugs_and_links_are_read_from_columns(rf):
    with_category, without = ProductFactory(), ProductFactory(category=None)
    request = rf.get("/")
    plan = plan_of(ProductKeys)
    assert plan is not None
    records = Product.objects.filter(pk__in=[with_category.pk, without.pk]).order_by("pk")
    rows = list(records.values(*plan.columns))
    expected = ProductKeys(list(records), many=True, context={"request": request}).data
    assert plan.represent(rows, request) == expected
    first, second = expected
    assert first["category_key"] == with_category.category_id
    assert first["category_by_slug"] == with_category.category.slug
    assert first["link"] == f"http://testserver/api/v1/products/{with_category.pk}/"
    assert second["category_key"] is None
    assert second["category_by_slug"] is None
    readers = plan.readers(rows, request)
    assert [{name: readers[name](row) for name in first} for row in rows] == expected
    # Without a request: the path alone, as the serializer gives it.
    (alone,) = plan.represent(rows[:1])
    assert alone["link"] == f"/api/v1/products/{with_category.pk}/"


def test_a_link_to_a_route_taking_no_placeholder_is_reversed_for_each_record():
    field = RecordURLField("api-v1:file-download")
    with mock.patch.object(rows_module, "_PLACEHOLDERS", ("not/a/key",)):
        make = field.url_maker(None)
    assert make(7) == "/api/v1/files/7/download/"


def test_a_content_type_is_read_by_its_key():
    from rbac.serializers import ContentTypeField

    field = ContentTypeField(read_only=True)
    content_type = ContentType.objects.get_for_model(Product)
    assert field.represent_key(content_type.pk) == "products.product"
    assert field.represent_key(content_type.pk) == field.to_representation(content_type)


class WithMethod(ScopedModelSerializer):
    shout = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "shout"]

    def get_shout(self, product) -> str:
        return product.name.upper()


class WithProperty(ScopedModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "label"]


class WithOwnRepresentation(ScopedModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name"]

    def to_representation(self, instance):
        return {"id": instance.pk}


@pytest.mark.parametrize("serializer_class", [WithMethod, WithProperty, WithOwnRepresentation])
def test_a_serializer_that_needs_instances_gets_them(serializer_class):
    assert plan_of(serializer_class) is None


def test_a_prefetch_that_narrows_what_is_shown_needs_instances():
    from django.db.models import Prefetch

    from api.v1.base_models.contact.serializers import ContactSerializer

    emails = Contact.email_addresses.rel.related_model.objects

    def prefetching(queryset):
        return Contact.objects.prefetch_related(Prefetch("email_addresses", queryset=queryset))

    assert plan_of(ContactSerializer, prefetching(emails.filter(is_primary=True))) is None
    assert plan_of(ContactSerializer, prefetching(emails.order_by("email"))) is None
    assert plan_of(ContactSerializer, prefetching(emails.all()[:1])) is None
    # One that only joins shows the same: the rows' own read stands for it.
    assert plan_of(ContactSerializer, prefetching(emails.select_related("contact"))) is not None
    assert plan_of(ContactSerializer, Contact.objects.all()) is not None


def test_times_are_given_in_the_active_time_zone_as_the_serializer_gives_them(world):
    from django.utils import timezone

    from api.v1.base_models.contact.serializers import ContactSerializer

    plan = plan_of(ContactSerializer, Contact.objects.all())
    with timezone.override("America/New_York"):
        rows = list(Contact.objects.order_by("pk").values(*plan.columns))
        expected = [ContactSerializer(each).data for each in Contact.objects.order_by("pk")]
        assert plan.represent(rows) == expected
    assert expected[0]["created_at"].endswith(("-05:00", "-04:00"))


def test_readers_give_each_field_as_represent_gives_it(world):
    """plan.readers (an export's chunk, one field at a time) against plan.represent."""
    compared = 0
    for _path, view_class in row_routes():
        view = view_class()
        view.request, view.format_kwarg, view.kwargs, view.action = None, None, {}, "list"
        if getattr(view, "queryset", None) is None:
            continue
        queryset = view.queryset.order_by("pk")
        plan = row_plan(view.get_serializer_class(), queryset, view.get_serializer)
        if plan is None:
            continue
        rows = list(read_rows(plan, queryset))
        readers = plan.readers(rows)
        for row, data in zip(rows, plan.represent(rows), strict=True):
            assert {name: read(row) for name, read in readers.items() if name in data} == data
            assert all(readers[name](row) is None for name in set(readers) - set(data))
            compared += 1
    assert compared >= 10


def test_rows_are_counted_as_their_records_without_joins(world):
    """A page's count (read_rows) joins none of the tables its columns come from, and
    finds as many as the rows are: a stock location with and without a parent."""
    warehouse = WarehouseFactory()
    parent = StockLocationFactory(warehouse=warehouse, organization=warehouse.organization)
    StockLocationFactory(warehouse=warehouse, organization=warehouse.organization, parent=parent)
    queryset = StockLocation.objects.select_related("warehouse", "parent").order_by("pk")
    plan = plan_of(StockLocationSerializer, queryset)
    assert {"warehouse__code", "parent__name"} <= plan.columns
    rows = read_rows(plan, queryset)
    with CaptureQueriesContext(connection) as queries:
        counted = rows.count()
    assert counted == len(list(rows)) == StockLocation.objects.count() >= 2
    assert "JOIN" not in queries.captured_queries[0]["sql"]


def test_every_detail_reads_only_the_joined_columns_it_shows(world, monkeypatch):
    """A record's detail (joined_columns_read) answers the same bytes and ETag as with
    every joined column loaded, in as many queries; a product's detail does not load
    its organization's other columns."""
    compared = set()
    for path, url, view in filled_row_routes():
        for client in world.clients.values():
            listing = client.get(url, {"page_size": 5})
            if listing.status_code != 200:
                continue  # refused alike (test_every_list_read_as_rows_...)
            key = "id" if view.lookup_field == "pk" else view.lookup_field
            for record in listing.json()["results"][:2]:
                if key not in record:
                    continue
                detail = f"{url.split('?')[0]}{record[key]}/"
                with CaptureQueriesContext(connection) as narrowed:
                    rows = client.get(detail)
                with monkeypatch.context() as patch:
                    patch.setattr(view, "row_reads", False)
                    with CaptureQueriesContext(connection) as full:
                        instances = client.get(detail)
                assert rows.status_code == instances.status_code, detail
                assert rows.content == instances.content, detail
                assert rows.get("ETag") == instances.get("ETag"), detail
                assert len(narrowed) == len(full), detail
                compared.add(path)
    assert {"/api/v1/products/", "/api/v1/contacts/", "/api/v1/stock-locations/"} <= compared

    product = Product.objects.filter(organization=world.unrestricted).first()
    with CaptureQueriesContext(connection) as queries:
        response = world.clients["superuser"].get(f"/api/v1/products/{product.pk}/")
    assert response.json()["organization_name"] == product.organization.name
    sql = next(q["sql"] for q in queries.captured_queries if '"products_product"' in q["sql"])
    assert '"organization_organization"."name"' in sql
    assert '"organization_organization"."metadata"' not in sql


def test_a_detail_loads_the_joined_columns_read_and_the_keys_leading_on():
    """Of a joined row: the columns read through it, and the key of a relation read
    further that is not joined (its row then comes as it came before); never "pk"."""
    queryset = StockLocation.objects.select_related("warehouse")
    plan = RowPlan(StockLocation)
    for column in ("name", "warehouse__code", "warehouse__address__city", "warehouse__pk"):
        plan.column(column)
    loaded, only = joined_columns_read(plan, queryset).query.deferred_loading
    assert only is False
    own = {field.name for field in StockLocation._meta.concrete_fields}
    assert set(loaded) == own | {"warehouse__code", "warehouse__address"}
    # Chosen columns, or every relation joined: left as they are.
    chosen = queryset.only("name", "warehouse__code")
    assert joined_columns_read(plan, chosen) is chosen
    everything = StockLocation.objects.select_related()
    assert joined_columns_read(plan, everything) is everything
