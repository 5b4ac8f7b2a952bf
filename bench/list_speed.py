"""Lists and details through the API against a hand-written query of the same rows.

For each endpoint, the time of a request through the whole stack (JWT authentication,
permissions, filters, pagination, serializer, JSON) and the time of a hand-written
query of the same page of rows, scoped to the caller's organizations by hand: the
same columns with `.values()` (joined names included), the tag names in one more
query, and `json.dumps`. Requests and baselines are interleaved, the medians compared;
printed per endpoint, as an organization member (of three organizations) and as a
superuser, with the SQL queries of the request.

The data: 50 organizations with 200 products each (10,000: category, unit, two tags
of a pool of 20, custom fields), 100 contacts each with an e-mail address, 40
warehouses each with 3 stock locations, 100 audit rows, 40 files and 40 documents
(each with a version of one of the files), 40 meetings (the host and a guest invited),
40 invitations and 40 comment threads on products (a reply each); 150 categories
shared by all; 150 notifications (about products)
and 150 finished export jobs with their output files of each user (lists of one's
own): every list gives the member (of three organizations) a full page of 100. The
baseline reads what the response holds: a contact's channels, a meeting's
participants, a job's files, a thread's replies and the mentions and attachments of
both, and which of the products the notifications are about the caller may still
view.

Runs on a fresh SQLite file (WAL, as the embedded default), or with DATABASE_URL set
on a test database created on that server (`test_<name>`) and dropped afterwards.

    .venv/bin/python bench/list_speed.py [--rounds 15] [--page-size 100]
"""

import json
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

import common

ARGS = common.start(
    __doc__,
    [
        ("--rounds", {"type": int, "default": 15, "help": "interleaved runs per endpoint"}),
        ("--page-size", {"type": int, "default": 100}),
    ],
)

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken
from taggit.models import Tag, TaggedItem

from api.v1.base_models.common.models import Category, UnitOfMeasure
from api.v1.base_models.contact.models import (
    Contact,
    ContactAddress,
    ContactEmailAddress,
    ContactPhoneNumber,
)
from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.organization.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from api.v1.features.collaboration.models import Comment, CommentAttachment
from api.v1.features.data_jobs.models import DataJob, DataJobFile
from api.v1.features.documents.models import Document, DocumentVersion
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.meetings.models import Meeting, MeetingParticipant
from api.v1.features.products.models import Product
from audit.choices import AuditAction
from audit.models import AuditLog
from notifications.models import Notification
from rbac.roles import ROLE_NAMES

ORGANIZATIONS, PRODUCTS, CONTACTS, WAREHOUSES, LOCATIONS = 50, 200, 100, 40, 3
AUDIT_ROWS, FILES, CATEGORIES, MEETINGS, INVITATIONS, OWN = 100, 40, 150, 40, 40, 150
COMMENTS = 40  # threads per organization


def build_data():
    """The organizations, their records and tags, written in bulk (no audit rows: the
    audit log is not what is measured)."""
    organizations = [
        Organization.objects.create(
            name=f"Org {i:02}", code=f"ORG{i:02}", organization_type_id="Company"
        )
        for i in range(ORGANIZATIONS)
    ]
    category = Category.objects.create(name="Bench products", category_type="PRODUCT")
    unit = UnitOfMeasure.objects.get(code="EA")
    tags = Tag.objects.bulk_create([Tag(name=f"tag-{i}", slug=f"tag-{i}") for i in range(20)])
    products, contacts, warehouses = [], [], []
    for o, organization in enumerate(organizations):
        products += [
            Product(
                organization=organization,
                name=f"Product {o}-{i}",
                sku=f"SKU-{o}-{i}",
                description="A product of the benchmark.",
                category=category,
                base_uom=unit,
                custom_fields={"color": "red", "weight": i},
                attributes={"size": "M"},
            )
            for i in range(PRODUCTS)
        ]
        contacts += [
            Contact(organization=organization, first_name=f"First {i}", last_name=f"Last {o}")
            for i in range(CONTACTS)
        ]
        warehouses += [
            Warehouse(organization=organization, name=f"Warehouse {o}-{i}", code=f"W{o}-{i}")
            for i in range(WAREHOUSES)
        ]
    Product.objects.bulk_create(products, batch_size=1000)
    Contact.objects.bulk_create(contacts, batch_size=1000)
    Warehouse.objects.bulk_create(warehouses, batch_size=1000)
    ContactEmailAddress.objects.bulk_create(
        [
            ContactEmailAddress(
                contact=contact, email=f"c{contact.pk}@example.com", is_primary=True
            )
            for contact in Contact.objects.all()
        ],
        batch_size=1000,
    )
    locations = [
        # Top-level locations: each its own tree (django-mptt's columns set by hand).
        StockLocation(
            organization_id=warehouse.organization_id,
            warehouse=warehouse,
            name=f"Bin {i}",
            tree_id=warehouse.pk * LOCATIONS + i,
            lft=1,
            rght=2,
            level=0,
        )
        for warehouse in Warehouse.objects.all()
        for i in range(LOCATIONS)
    ]
    StockLocation.objects.bulk_create(locations, batch_size=1000)
    tagged = []
    for model in (Product, Warehouse):
        content_type = ContentType.objects.get_for_model(model)
        for pk in model.objects.values_list("pk", flat=True):
            tagged += [
                TaggedItem(content_type=content_type, object_id=pk, tag=tags[pk % 20]),
                TaggedItem(content_type=content_type, object_id=pk, tag=tags[(pk + 7) % 20]),
            ]
    TaggedItem.objects.bulk_create(tagged, batch_size=2000)
    build_records_of_other_apps(organizations)
    return organizations


def build_records_of_other_apps(organizations):
    """Audit rows, files, documents with a version each, and shared categories."""
    product_type = ContentType.objects.get_for_model(Product)
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                organization=organization,
                action_type=AuditAction.UPDATE,
                user_repr="bench",
                content_type=product_type,
                object_id=str(i),
                object_repr=f"Product {i}",
                changes={"name": {"old": "a", "new": "b"}},
                context={"source": "api"},
            )
            for organization in organizations
            for i in range(AUDIT_ROWS)
        ],
        batch_size=1000,
    )
    files = FileStorage.objects.bulk_create(
        [
            FileStorage(
                organization=organization,
                file=f"bench/{organization.pk}/{i}.pdf",
                original_name=f"Report {i}.pdf",
                size=1000 + i,
                mime_type="application/pdf",
                checksum=f"{i:064x}",
                custom_fields={"year": 2026},
            )
            for organization in organizations
            for i in range(FILES)
        ],
        batch_size=1000,
    )
    document_type = Category.objects.create(name="Bench documents", category_type="DOCUMENT_TYPE")
    documents = Document.objects.bulk_create(
        [
            Document(
                organization=file.organization,
                title=f"Document of {file.original_name}",
                description="A document of the benchmark.",
                document_type=document_type,
                content_type=product_type,
                object_id="1",
            )
            for file in files
        ],
        batch_size=1000,
    )
    versions = DocumentVersion.objects.bulk_create(
        [
            DocumentVersion(document=document, number=1, file=file, change_note="First")
            for document, file in zip(documents, files, strict=True)
        ],
        batch_size=1000,
    )
    for document, version in zip(documents, versions, strict=True):
        document.current_version = version
    Document.objects.bulk_update(documents, ["current_version"], batch_size=1000)
    Category.objects.bulk_create(
        [
            # Each its own tree (django-mptt's columns set by hand).
            Category(
                name=f"Category {i}",
                slug=f"bench-category-{i}",
                category_type="PRODUCT",
                tree_id=1000 + i,
                lft=1,
                rght=2,
                level=0,
            )
            for i in range(CATEGORIES)
        ]
    )


def build_meetings_and_invitations(organizations, host) -> None:
    start = timezone.now() + timedelta(days=1)
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                organization=organization,
                topic=f"Meeting {i}",
                start_time=start + timedelta(hours=i),
                end_time=start + timedelta(hours=i + 1),
                host=host,
                provider="jitsi",
                provider_meeting_id=f"bench-{organization.pk}-{i}",
                join_url=f"https://meet.example.com/bench-{organization.pk}-{i}",
            )
            for organization in organizations
            for i in range(MEETINGS)
        ],
        batch_size=1000,
    )
    MeetingParticipant.objects.bulk_create(
        [
            participant
            for meeting in meetings
            for participant in (
                MeetingParticipant(meeting=meeting, user=host, role="host"),
                MeetingParticipant(meeting=meeting, email="guest@example.com", name="Guest"),
            )
        ],
        batch_size=1000,
    )
    role = Group.objects.get(name=ROLE_NAMES["administrator"])
    OrganizationInvitation.objects.bulk_create(
        [
            OrganizationInvitation(
                organization=organization,
                email=f"invitee{i}@example.com",
                role=role,
                invited_by=host,
                expires_at=start + timedelta(days=7),
            )
            for organization in organizations
            for i in range(INVITATIONS)
        ],
        batch_size=1000,
    )


def build_comments(organizations, author) -> None:
    """Threads on products of each organization, a reply each, by `author`."""
    product_type = ContentType.objects.get_for_model(Product)
    threads = Comment.objects.bulk_create(
        [
            Comment(
                organization=organization,
                content_type=product_type,
                object_id=str(product),
                content=f"What about the price of product {product}?",
                created_by=author,
            )
            for organization in organizations
            for product in Product.objects.filter(organization=organization).values_list(
                "pk", flat=True
            )[:COMMENTS]
        ],
        batch_size=1000,
    )
    Comment.objects.bulk_create(
        [
            Comment(
                organization_id=thread.organization_id,
                content_type=product_type,
                object_id=thread.object_id,
                parent=thread,
                content="It changes next month.",
                created_by=author,
            )
            for thread in threads
        ],
        batch_size=1000,
    )


def build_own_records(users) -> None:
    """Notifications and data jobs of each user: lists of one's own."""
    product_type = ContentType.objects.get_for_model(Product)
    for user in users:
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    type_code="product_changed",
                    title=f"Product {i} changed",
                    message="Its price changed.",
                    organization_id=OrganizationMembership.objects.filter(user=user)
                    .values_list("organization_id", flat=True)
                    .first(),
                    actor=user,
                    target_content_type=product_type,
                    target_object_id=str(i + 1),
                )
                for i in range(OWN)
            ]
        )
        organization = Organization.objects.order_by("pk").first()
        jobs = DataJob.objects.bulk_create(
            [
                DataJob(
                    organization=organization,
                    created_by=user,
                    kind="EXPORT",
                    content_type=product_type,
                    view="api.v1.features.products.views.ProductViewSet",
                    format="csv",
                    status="SUCCEEDED",
                )
                for _ in range(OWN)
            ]
        )
        # Each finished export has its output file.
        outputs = FileStorage.objects.bulk_create(
            [
                FileStorage(
                    organization=organization,
                    file=f"bench/exports/{job.pk}.csv",
                    original_name=f"products-{job.pk}.csv",
                    size=20_000,
                    mime_type="text/csv",
                    checksum=f"{job.pk:064x}",
                    created_by=user,
                )
                for job in jobs
            ]
        )
        DataJobFile.objects.bulk_create(
            [
                DataJobFile(job=job, role="output", file=file)
                for job, file in zip(jobs, outputs, strict=True)
            ]
        )
        # Yesterday's: the files list shows the newer files of the organizations.
        FileStorage.objects.filter(pk__in=[file.pk for file in outputs]).update(
            created_at=timezone.now() - timedelta(days=1)
        )


def api_clients(organizations) -> dict:
    """Clients with the JWT of a member (administrator) of three organizations and of a
    superuser."""
    User = get_user_model()
    member = User.objects.create_user("member")
    for organization in organizations[:3]:
        OrganizationMembership.objects.create(
            user=member,
            organization=organization,
            role=Group.objects.get(name=ROLE_NAMES["administrator"]),
        )
    superuser = User.objects.create_superuser("root", email="", password=None)
    build_meetings_and_invitations(organizations, member)
    build_comments(organizations, member)
    build_own_records([member, superuser])
    clients = {}
    for label, user in (("member", member), ("superuser", superuser)):
        clients[label] = APIClient()
        clients[label].credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        clients[label].bench_user = user
    return clients


@dataclass
class Endpoint:
    """An endpoint, and the columns its hand-written baseline reads, in the list's
    own order (the model's default ordering)."""

    url: str
    model: type
    columns: list[str]
    tags: bool = False
    # The rows a record nests: (key, model, foreign key to the record, columns).
    nested: list = field(default_factory=list)
    pk: int | None = None  # a detail endpoint
    shared: bool = False  # the same records for everyone (reference data)
    owner: str | None = None  # a list of one's own records: by this foreign key
    ordering: tuple = ()  # the list's own order, where not the model's
    # Notifications: which of the records they are about the caller may view.
    targets: bool = False
    # Comments: the threads' replies, and the mentions and attachments of both.
    threads: bool = False

    def baseline(self, organizations, user) -> str:
        """The hand-written query: the same rows and columns, scoped by hand."""
        rows = self.model.objects.order_by(*(self.ordering or self.model._meta.ordering))
        if self.owner is not None:
            rows = rows.filter(**{self.owner: user})
        elif organizations is not None and not self.shared:
            rows = rows.filter(organization_id__in=organizations)
        if self.pk is not None:
            rows = rows.filter(pk=self.pk)
        if self.threads:
            rows = rows.filter(parent__isnull=True)
        rows = list(rows.values(*self.columns)[: 1 if self.pk else ARGS.page_size])
        ids = [row["id"] for row in rows]
        if self.tags:
            names = {}
            for object_id, name in TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model), object_id__in=ids
            ).values_list("object_id", "tag__name"):
                names.setdefault(object_id, []).append(name)
            for row in rows:
                row["tags"] = sorted(names.get(row["id"], []))
        for key, model, parent, columns in self.nested:
            children = {}
            for child in model.objects.filter(**{f"{parent}__in": ids}).values(parent, *columns):
                children.setdefault(child.pop(parent), []).append(child)
            for row in rows:
                row[key] = children.get(row["id"], [])
        if self.targets:
            self.visible_targets(rows, organizations)
        if self.threads:
            self.replies(rows, ids)
        return json.dumps({"count": len(rows), "results": rows}, cls=DjangoJSONEncoder)

    @staticmethod
    def replies(rows, ids) -> None:
        """The replies of the threads, oldest first, then the people mentioned in and
        the files attached to threads and replies: one query each."""
        replies = {}
        everything = list(rows)
        for reply in Comment.objects.filter(parent__in=ids).values("parent", *COMMENT_COLUMNS):
            replies.setdefault(reply["parent"], []).append(reply)
            everything.append(reply)
        every_id = [comment["id"] for comment in everything]
        mentions, attachments = {}, {}
        for comment, *person in Comment.mentions.through.objects.filter(
            comment__in=every_id
        ).values_list("comment", "user", "user__username", "user__first_name"):
            mentions.setdefault(comment, []).append(person)
        for comment, *file in CommentAttachment.objects.filter(comment__in=every_id).values_list(
            "comment", "file", "file__original_name", "file__size", "file__mime_type"
        ):
            attachments.setdefault(comment, []).append(file)
        for comment in everything:
            comment["mentions"] = mentions.get(comment["id"], [])
            comment["attachments"] = attachments.get(comment["id"], [])
        for row in rows:
            row["replies"] = replies.get(row["id"], [])

    @staticmethod
    def visible_targets(rows, organizations) -> None:
        """The products the notifications are about, those the caller may view (of
        their organizations; all for a superuser): one query."""
        ids = {int(row["target_object_id"]) for row in rows}
        products = Product.objects.filter(pk__in=ids)
        if organizations is not None:
            products = products.filter(organization_id__in=organizations)
        visible = {str(pk) for pk in products.values_list("pk", flat=True)}
        for row in rows:
            row.pop("target_content_type")
            object_id = row.pop("target_object_id")
            row["target"] = (
                {"type": "products.product", "id": object_id} if object_id in visible else None
            )


PRODUCT_COLUMNS = [
    "id",
    "organization",
    "organization__name",
    "name",
    "sku",
    "description",
    "product_type",
    "category",
    "category__slug",
    "category__name",
    "status",
    "base_uom",
    "base_uom__name",
    "is_inventory_tracked",
    "is_purchasable",
    "is_sellable",
    "attributes",
    "custom_fields",
    "created_at",
    "updated_at",
]
CONTACT_COLUMNS = [
    "id",
    "organization",
    "first_name",
    "last_name",
    "title",
    "department",
    "contact_type",
    "status",
    "source",
    "notes",
    "linked_organization",
    "linked_organization__name",
    "custom_fields",
    "created_at",
    "updated_at",
]
CONTACT_CHANNELS = [
    (
        "email_addresses",
        ContactEmailAddress,
        "contact",
        ["id", "email", "email_type", "is_primary"],
    ),
    (
        "phone_numbers",
        ContactPhoneNumber,
        "contact",
        ["id", "phone_number", "phone_type", "is_primary"],
    ),
    (
        "addresses",
        ContactAddress,
        "contact",
        ["id", "address__street_address_1", "address__city", "address_type", "is_primary"],
    ),
]
WAREHOUSE_COLUMNS = [
    "id",
    "organization",
    "organization__name",
    "name",
    "code",
    "warehouse_type",
    "address",
    "address__street_address_1",
    "address__city",
    "address__country",
    "is_active",
    "custom_fields",
    "created_at",
    "updated_at",
]
LOCATION_COLUMNS = [
    "id",
    "organization",
    "name",
    "barcode",
    "warehouse",
    "warehouse__code",
    "parent",
    "parent__name",
    "location_type",
    "is_active",
    "custom_fields",
    "level",
    "created_at",
    "updated_at",
]


AUDIT_COLUMNS = [
    "id",
    "created_at",
    "action_type",
    "user",
    "user_repr",
    "organization",
    "content_type__app_label",
    "content_type__model",
    "object_id",
    "object_repr",
    "changes",
    "context",
    "request_id",
]
FILE_COLUMNS = [
    "id",
    "organization",
    "organization__name",
    "original_name",
    "size",
    "mime_type",
    "checksum",
    "created_by",
    "custom_fields",
    "created_at",
    "updated_at",
]
DOCUMENT_COLUMNS = [
    "id",
    "organization",
    "organization__name",
    "title",
    "description",
    "document_type",
    "document_type__name",
    "status",
    "content_type__app_label",
    "content_type__model",
    "object_id",
    "current_version",
    "current_version__number",
    "current_version__file",
    "current_version__file__original_name",
    "current_version__file__size",
    "current_version__file__mime_type",
    "current_version__file__checksum",
    "current_version__change_note",
    "current_version__restored_from__number",
    "current_version__created_by",
    "current_version__created_at",
    "custom_fields",
    "created_by",
    "created_at",
    "updated_at",
]
CATEGORY_COLUMNS = [
    "id",
    "name",
    "slug",
    "description",
    "parent",
    "parent__slug",
    "category_type",
    "level",
    "is_active",
    "custom_fields",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
]


MEETING_COLUMNS = [
    "id",
    "organization",
    "organization__name",
    "topic",
    "agenda",
    "start_time",
    "end_time",
    "timezone",
    "host",
    "host__first_name",
    "host__last_name",
    "host__username",
    "status",
    "provider",
    "actual_start_time",
    "actual_end_time",
    "cancelled_at",
    "content_type",
    "object_id",
    "custom_fields",
    "created_by",
    "created_at",
    "updated_at",
]
MEETING_CHILDREN = [
    (
        "participants",
        MeetingParticipant,
        "meeting",
        [
            "id",
            "user",
            "user__first_name",
            "user__username",
            "user__email",
            "name",
            "email",
            "role",
            "joined_at",
            "left_at",
        ],
    ),
]
INVITATION_COLUMNS = [
    "id",
    "organization",
    "organization__name",
    "email",
    "role",
    "role__name",
    "status",
    "invited_by",
    "invited_by__username",
    "expires_at",
    "sent_at",
    "send_count",
    "accepted_at",
    "membership",
    "created_at",
    "updated_at",
]
NOTIFICATION_COLUMNS = [
    "id",
    "type_code",
    "level",
    "title",
    "message",
    "action_url",
    "action_text",
    "organization",
    "organization__name",
    "actor",
    "actor__first_name",
    "actor__last_name",
    "actor__username",
    "target_content_type",
    "target_object_id",
    "count",
    "read_at",
    "created_at",
    "updated_at",
]
DATA_JOB_COLUMNS = [
    "id",
    "organization",
    "kind",
    "content_type__app_label",
    "content_type__model",
    "format",
    "mode",
    "on_error",
    "dry_run",
    "status",
    "total_rows",
    "processed_rows",
    "created_rows",
    "updated_rows",
    "unchanged_rows",
    "failed_rows",
    "warnings",
    "error",
    "cancel_requested",
    "created_by__username",
    "created_at",
    "started_at",
    "finished_at",
]

COMMENT_COLUMNS = [
    "id",
    "organization",
    "content_type",
    "object_id",
    "parent",
    "content",
    "status",
    "is_edited",
    "edited_at",
    "created_by",
    "created_by__username",
    "created_by__first_name",
    "created_by__last_name",
    "created_at",
    "updated_at",
]
DATA_JOB_FILES = [
    (
        "files",
        DataJobFile,
        "job",
        ["role", "file", "file__original_name", "file__size", "file__mime_type"],
    )
]


def endpoints(product: int, contact: int) -> list[Endpoint]:
    size = f"?page_size={ARGS.page_size}"
    return [
        Endpoint(f"/api/v1/products/{size}", Product, PRODUCT_COLUMNS, tags=True),
        Endpoint(
            f"/api/v1/contacts/{size}",
            Contact,
            CONTACT_COLUMNS,
            tags=True,
            nested=CONTACT_CHANNELS,
        ),
        Endpoint(f"/api/v1/warehouses/{size}", Warehouse, WAREHOUSE_COLUMNS, tags=True),
        Endpoint(f"/api/v1/stock-locations/{size}", StockLocation, LOCATION_COLUMNS),
        Endpoint(f"/api/v1/audit-logs/{size}", AuditLog, AUDIT_COLUMNS),
        Endpoint(f"/api/v1/files/{size}", FileStorage, FILE_COLUMNS, tags=True),
        Endpoint(f"/api/v1/documents/{size}", Document, DOCUMENT_COLUMNS, tags=True),
        Endpoint(f"/api/v1/categories/{size}", Category, CATEGORY_COLUMNS, shared=True),
        Endpoint(f"/api/v1/meetings/{size}", Meeting, MEETING_COLUMNS, nested=MEETING_CHILDREN),
        Endpoint(
            f"/api/v1/organization-invitations/{size}", OrganizationInvitation, INVITATION_COLUMNS
        ),
        Endpoint(
            f"/api/v1/comments/{size}",
            Comment,
            COMMENT_COLUMNS,
            threads=True,
            ordering=("created_at", "id"),
        ),
        Endpoint(
            f"/api/v1/notifications/{size}",
            Notification,
            NOTIFICATION_COLUMNS,
            owner="recipient",
            targets=True,
        ),
        Endpoint(
            f"/api/v1/data-jobs/{size}",
            DataJob,
            DATA_JOB_COLUMNS,
            owner="created_by",
            nested=DATA_JOB_FILES,
        ),
        Endpoint(f"/api/v1/products/{product}/", Product, PRODUCT_COLUMNS, tags=True, pk=product),
        Endpoint(
            f"/api/v1/contacts/{contact}/",
            Contact,
            CONTACT_COLUMNS,
            tags=True,
            nested=CONTACT_CHANNELS,
            pk=contact,
        ),
    ]


def median_ms(samples):
    return statistics.median(samples) * 1000


def measure(client, endpoint: Endpoint, organizations) -> tuple[float, float, int]:
    """Median milliseconds of the request and of its baseline, and the request's SQL
    queries."""
    api, hand = [], []
    for _ in range(ARGS.rounds):
        start = time.perf_counter()
        response = client.get(endpoint.url)
        api.append(time.perf_counter() - start)
        assert response.status_code == 200, (endpoint.url, response.content[:300])
        start = time.perf_counter()
        endpoint.baseline(organizations, client.bench_user)
        hand.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        client.get(endpoint.url)
    return median_ms(api), median_ms(hand), len(queries)


def main() -> None:
    with common.database():
        organizations = build_data()
        clients = api_clients(organizations)
        if connection.vendor == "postgresql":
            # The planner's statistics of the tables just filled, as autovacuum takes
            # them after bulk inserts (without them it guesses, and scans sequentially).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        product = Product.objects.filter(organization=organizations[0]).order_by("pk").first()
        contact = Contact.objects.filter(organization=organizations[0]).order_by("pk").first()
        print(
            f"{connection.vendor}: {Product.objects.count()} products, "
            f"{Contact.objects.count()} contacts in {len(organizations)} organizations; "
            f"page size {ARGS.page_size}, medians of {ARGS.rounds} interleaved runs"
        )
        print(f"{'endpoint':<42} {'as':<10} {'API':>8} {'by hand':>8} {'ratio':>6} {'SQL':>4}")
        for endpoint in endpoints(product.pk, contact.pk):
            for label, client in clients.items():
                scope = [o.pk for o in organizations[:3]] if label == "member" else None
                api, hand, count = measure(client, endpoint, scope)
                print(
                    f"{endpoint.url.split('?')[0]:<42} {label:<10} {api:>6.1f}ms "
                    f"{hand:>6.1f}ms {api / hand:>5.2f}x {count:>4}"
                )


if __name__ == "__main__":
    main()
