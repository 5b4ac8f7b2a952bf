"""/api/v1/comments/: threads on the records of one's organizations, edited and deleted
by their authors, moderated, with attachments and mentions that notify."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.tests.factories import FileStorageFactory
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.collaboration.choices import CommentStatus
from api.v1.features.collaboration.models import Comment
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog
from notifications.models import Notification
from rbac.roles import ROLE_NAMES
from tests.contract import assert_constant_queries

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/comments/"


@pytest.fixture
def role():
    return lambda name: Group.objects.get(name=ROLE_NAMES[name])


@pytest.fixture
def ann(org, member, role):
    return member(org, role("member"), user=UserFactory(username="ann", email="ann@example.com"))


@pytest.fixture
def bob(org, member, role):
    return member(org, role("member"), user=UserFactory(username="bob", email="bob@example.com"))


@pytest.fixture
def moderator(org, member, role):
    return member(org, role("administrator"), user=UserFactory(username="mod"))


@pytest.fixture
def product(org):
    return ProductFactory(organization=org, name="Chair")


def on(product, content, **extra):
    return {
        "content_type": "products.product",
        "object_id": product.pk,
        "content": content,
        **extra,
    }


def post(client, body):
    return client.post(URL, body, format="json")


def test_a_member_comments_on_a_record_of_their_organization(jwt_client, ann, product, org):
    response = post(jwt_client(ann), on(product, "Is it in stock?"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"] == org.pk
    assert (body["content_type"], body["object_id"]) == ("products.product", str(product.pk))
    assert body["author"]["username"] == "ann"
    assert (body["status"], body["is_edited"], body["replies"]) == ("VISIBLE", False, [])
    comment = Comment.objects.get()
    assert comment.created_by == ann
    assert AuditLog.objects.filter(object_id=str(comment.pk), action_type="CREATE").exists()


def test_another_organizations_record_is_not_found_and_nothing_is_written(
    jwt_client, ann, other_org
):
    theirs = ProductFactory(organization=other_org)

    response = post(jwt_client(ann), on(theirs, "Hello"))

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_another_organizations_comment_is_404(jwt_client, ann, other_org):
    theirs = CommentFactory(target=ProductFactory(organization=other_org))
    client = jwt_client(ann)

    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.patch(f"{URL}{theirs.pk}/", {"content": "x"}, format="json").status_code == 404
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert theirs.pk not in [row["id"] for row in client.get(URL).json()["results"]]


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "audit.auditlog", "object_id": "1", "content": "x"},
        {"content_type": "nothing.here", "object_id": "1", "content": "x"},
        {"content_type": "products.product", "content": "x"},
    ],
)
def test_bad_records_are_400(jwt_client, ann, body):
    assert post(jwt_client(ann), body).status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize("object_id", ["99999999999999999999", "abc", "0"])
def test_a_record_that_does_not_exist_is_404_like_anothers(jwt_client, ann, object_id):
    body = {"content_type": "products.product", "object_id": object_id, "content": "x"}
    assert post(jwt_client(ann), body).status_code == 404
    assert not Comment.objects.exists()


@pytest.mark.parametrize("content", ["", "   ", None, "x" * 10_001])
def test_bad_content_is_400(jwt_client, ann, product, content):
    assert post(jwt_client(ann), on(product, content)).status_code == 400
    assert not Comment.objects.exists()


def test_a_viewer_may_read_but_not_comment(jwt_client, org, member, role, product):
    viewer = member(org, role("viewer"))
    CommentFactory(target=product)

    client = jwt_client(viewer)
    assert client.get(URL).json()["count"] == 1
    assert post(client, on(product, "Hi")).status_code == 403


def test_replies_nest_under_their_thread_in_constant_queries(jwt_client, ann, bob, product):
    client = jwt_client(ann)
    first = post(client, on(product, "First")).json()
    reply = post(jwt_client(bob), on(product, "A reply", parent=first["id"])).json()
    # A reply to a reply joins the same thread.
    deeper = post(client, on(product, "Deeper", parent=reply["id"])).json()

    assert deeper["parent"] == first["id"]
    threads = client.get(URL, {"content_type": "products.product", "object_id": product.pk})
    [thread] = threads.json()["results"]
    assert [each["content"] for each in thread["replies"]] == ["A reply", "Deeper"]

    def make_more(n):
        for _ in range(n):
            top = CommentFactory(target=product, created_by=ann)
            CommentFactory(target=product, parent=top, created_by=bob)

    assert_constant_queries(client, URL, make_more)


def test_a_page_shows_the_mentions_and_attachments_of_threads_and_replies_as_a_read_does(
    jwt_client, ann, bob, product, org, django_assert_num_queries
):
    client = jwt_client(ann)
    old, new = FileStorageFactory(organization=org), FileStorageFactory(organization=org)
    thread = post(client, on(product, "@bob @ann see", attachment_ids=[old.pk, new.pk])).json()
    reply = post(jwt_client(bob), on(product, "@ann ok", parent=thread["id"])).json()
    post(client, on(product, "No one named"))
    record = f"/api/v1/products/{product.pk}/comments/"

    # The user, the page with its count, its mentions and attachments, the replies with
    # theirs (rows: rbac.rows).
    with django_assert_num_queries(7):
        listed = client.get(URL)
    by_record = client.get(record)

    first, plain = listed.json()["results"]
    assert first == by_record.json()["results"][0] == client.get(f"{URL}{thread['id']}/").json()
    assert [person["username"] for person in first["mentions"]] == ["ann", "bob"]
    assert first["mentions"][1] == {
        "id": bob.pk,
        "username": "bob",
        "full_name": bob.get_full_name(),
    }
    assert [file["id"] for file in first["attachments"]] == [new.pk, old.pk]  # newest first
    assert first["attachments"][0]["download_url"].endswith(f"/api/v1/files/{new.pk}/download/")
    assert first["replies"] == [client.get(f"{URL}{reply['id']}/").json()]
    assert [person["username"] for person in first["replies"][0]["mentions"]] == ["ann"]
    assert (plain["mentions"], plain["attachments"], plain["replies"]) == ([], [], [])


def test_a_reply_must_be_about_the_same_record(jwt_client, ann, product, org):
    elsewhere = CommentFactory(target=ProductFactory(organization=org))

    response = post(jwt_client(ann), on(product, "Hi", parent=elsewhere.pk))

    assert response.status_code == 400
    assert "parent" in response.json()


def test_the_author_edits_and_the_audit_keeps_the_previous_text(jwt_client, ann, bob, product):
    comment = post(jwt_client(ann), on(product, "Frist")).json()

    edited = jwt_client(ann).patch(f"{URL}{comment['id']}/", {"content": "First"}, format="json")
    by_bob = jwt_client(bob).patch(f"{URL}{comment['id']}/", {"content": "Mine"}, format="json")

    assert edited.status_code == 200, edited.content
    assert (edited.json()["content"], edited.json()["is_edited"]) == ("First", True)
    assert by_bob.status_code == 403
    update = AuditLog.objects.get(object_id=str(comment["id"]), action_type="UPDATE")
    assert update.changes["content"] == {"old": "Frist", "new": "First"}


def test_the_author_deletes_and_the_thread_keeps_its_shape(jwt_client, ann, bob, product):
    first = post(jwt_client(ann), on(product, "First")).json()
    post(jwt_client(bob), on(product, "Reply", parent=first["id"]))

    assert jwt_client(bob).delete(f"{URL}{first['id']}/").status_code == 403
    assert jwt_client(ann).delete(f"{URL}{first['id']}/").status_code == 204

    [thread] = jwt_client(bob).get(URL).json()["results"]
    assert (thread["status"], thread["content"]) == ("DELETED", None)
    assert [each["content"] for each in thread["replies"]] == ["Reply"]
    assert Comment.objects.get(pk=first["id"]).content == ""
    again = jwt_client(ann).patch(f"{URL}{first['id']}/", {"content": "Back"}, format="json")
    assert again.status_code == 400


def test_moderators_hide_and_restore(jwt_client, ann, bob, moderator, product):
    comment = post(jwt_client(ann), on(product, "Rude words")).json()
    url = f"{URL}{comment['id']}/"

    assert jwt_client(bob).post(f"{url}hide/").status_code == 403
    hidden = jwt_client(moderator).post(f"{url}hide/")

    assert hidden.status_code == 200
    assert (hidden.json()["status"], hidden.json()["content"]) == ("HIDDEN", "Rude words")
    assert jwt_client(bob).get(url).json()["content"] is None
    restored = jwt_client(moderator).post(f"{url}restore/")
    assert (restored.json()["status"], restored.json()["content"]) == ("VISIBLE", "Rude words")
    assert Comment.objects.get().status == CommentStatus.VISIBLE


def test_attachments_are_files_of_the_records_organization(
    jwt_client, ann, moderator, product, org, other_org
):
    mine = FileStorageFactory(organization=org)
    theirs = FileStorageFactory(organization=other_org)
    client = jwt_client(ann)

    created = post(client, on(product, "See attached", attachment_ids=[mine.pk]))
    refused = post(client, on(product, "And this", attachment_ids=[theirs.pk]))

    assert created.status_code == 201, created.content
    [attached] = created.json()["attachments"]
    assert str(attached["id"]) == str(mine.pk)
    assert attached["download_url"].endswith(f"/api/v1/files/{mine.pk}/download/")
    assert refused.status_code == 400
    # A file a comment uses cannot be deleted, even by an administrator.
    assert jwt_client(moderator).delete(f"/api/v1/files/{mine.pk}/").status_code == 409
    assert FileStorage.objects.filter(pk=mine.pk).exists()


def test_a_mention_notifies_a_colleague_who_may_view_the_record_once(
    jwt_client, ann, bob, product, org, member, role, django_capture_on_commit_callbacks
):
    outsider = UserFactory(username="eve", email="eve@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(jwt_client(ann), on(product, "@bob and @eve, look. @nobody too."))

    assert response.status_code == 201
    assert [each["username"] for each in response.json()["mentions"]] == ["bob"]
    mention = Notification.objects.get(type_code="comment_mention")
    assert mention.recipient == bob
    assert mention.target == product
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert not Notification.objects.filter(recipient=ann).exists()  # not about one's own
    assert [email.to for email in mail.outbox] == [["bob@example.com"]]


def test_a_reply_notifies_the_thread_and_an_edit_only_new_mentions(
    jwt_client, ann, bob, moderator, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(jwt_client(ann), on(product, "First")).json()
    with django_capture_on_commit_callbacks(execute=True):
        reply = post(jwt_client(bob), on(product, "Reply", parent=first["id"])).json()

    assert list(Notification.objects.values_list("recipient__username", "type_code")) == [
        ("ann", "comment_reply")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        jwt_client(bob).patch(
            f"{URL}{reply['id']}/", {"content": "Reply, @mod and @ann"}, format="json"
        )
    mentions = Notification.objects.filter(type_code="comment_mention")
    assert sorted(mentions.values_list("recipient__username", flat=True)) == ["ann", "mod"]


def test_comments_on_records_one_may_no_longer_view_are_not_listed(
    jwt_client, org, member, role, product
):
    from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions

    only_comments = member(org, RoleFactory(permissions=model_permissions(Comment, "view")))
    CommentFactory(target=product)

    assert jwt_client(only_comments).get(URL).json()["count"] == 0


def test_a_records_own_route_lists_its_threads_and_takes_comments(
    jwt_client, ann, bob, product, org
):
    url = f"/api/v1/products/{product.pk}/comments/"
    other = CommentFactory(target=ProductFactory(organization=org), content="Elsewhere")

    created = jwt_client(ann).post(url, {"content": "Is it in stock?"}, format="json")
    reply = jwt_client(bob).post(
        url, {"content": "Yes.", "parent": created.json()["id"]}, format="json"
    )
    listed = jwt_client(bob).get(url)

    assert created.status_code == 201, created.content
    assert (created.json()["content_type"], created.json()["object_id"]) == (
        "products.product",
        str(product.pk),
    )
    assert reply.status_code == 201, reply.content
    [thread] = listed.json()["results"]
    assert thread["content"] == "Is it in stock?"
    assert [each["content"] for each in thread["replies"]] == ["Yes."]
    assert other.pk not in [row["id"] for row in listed.json()["results"]]


@pytest.mark.parametrize("prefix", ["contacts", "warehouses", "organizations", "documents"])
def test_every_business_record_has_its_comments_route(jwt_client, ann, org, prefix):
    from api.v1.base_models.contact.tests.factories import ContactFactory
    from api.v1.features.documents.tests.factories import DocumentFactory
    from api.v1.features.inventory.tests.factories import WarehouseFactory

    record = {
        "contacts": lambda: ContactFactory(organization=org),
        "warehouses": lambda: WarehouseFactory(organization=org),
        "organizations": lambda: org,
        "documents": lambda: DocumentFactory(organization=org),
    }[prefix]()

    response = jwt_client(ann).post(
        f"/api/v1/{prefix}/{record.pk}/comments/", {"content": "Noted."}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Comment.objects.get().target == record


@pytest.mark.parametrize("record_id", ["other", "999999", "abc"])
def test_a_records_route_outside_ones_organizations_is_404(jwt_client, ann, other_org, record_id):
    if record_id == "other":
        record_id = ProductFactory(organization=other_org).pk
    url = f"/api/v1/products/{record_id}/comments/"
    client = jwt_client(ann)

    assert client.get(url).status_code == 404
    assert client.post(url, {"content": "Hello"}, format="json").status_code == 404
    assert not Comment.objects.exists()


def test_deleting_a_record_removes_its_comments(
    jwt_client, ann, moderator, product, django_capture_on_commit_callbacks
):
    kept = CommentFactory(target=ProductFactory(organization=product.organization))
    post(jwt_client(ann), on(product, "Soon gone"))

    with django_capture_on_commit_callbacks(execute=True):
        response = jwt_client(moderator).delete(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 204, response.content
    assert list(Comment.objects.all()) == [kept]
