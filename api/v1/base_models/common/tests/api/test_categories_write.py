"""POST, PUT, PATCH and DELETE /api/v1/categories/: staff with the global permissions
manage the shared trees; nobody else may."""

import pytest
from django.forms.models import model_to_dict

from api.v1.base_models.common.models import Category
from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.base_models.user.tests.factories import UserFactory

from .helpers import detail_url, list_url, tree_url

pytestmark = pytest.mark.django_db

URL = list_url("category")


def stored(slug: str) -> Category:
    return Category.objects.get(slug=slug)


def snapshot() -> list[dict]:
    return [
        {**model_to_dict(row), "tree": (row.tree_id, row.lft, row.rght, row.level)}
        for row in Category.objects.order_by("pk")
    ]


def tree_names(client, category_type="PRODUCT") -> list:
    """The tree endpoint's answer as (name, [children...]) pairs."""

    def walk(nodes):
        return [(node["name"], walk(node["children"])) for node in nodes]

    return walk(client.get(tree_url(category_type)).data)


# ------------------------------------------------------------------------ who may write
def category_staff():
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="common", codename__endswith="category")
    )
    return staff


@pytest.fixture
def organization_administrator(db):
    """The administrator of an organization (its default role): no global permission."""
    from django.contrib.auth.models import Group

    from api.v1.base_models.organization.tests.factories import (
        OrganizationFactory,
        OrganizationMembershipFactory,
    )
    from rbac.roles import create_default_roles, default_roles

    create_default_roles()
    administrator = UserFactory()
    OrganizationMembershipFactory(
        user=administrator,
        organization=OrganizationFactory(),
        role=Group.objects.get(name=next(iter(default_roles()))),
    )
    return administrator


@pytest.mark.parametrize("who", ["no_organization", "organization_administrator"])
def test_writes_need_the_global_permissions(jwt_client, tree, who, request):
    caller = UserFactory() if who == "no_organization" else request.getfixturevalue(who)
    client = jwt_client(caller)
    before = snapshot()
    furniture = detail_url("category", "furniture")
    responses = [
        client.post(URL, {"name": "Desks", "category_type": "PRODUCT"}),
        client.patch(furniture, {"name": "Renamed"}),
        client.put(furniture, {"name": "Renamed", "category_type": "PRODUCT"}),
        client.delete(furniture),
    ]
    assert [response.status_code for response in responses] == [403] * 4
    assert snapshot() == before
    assert client.get(furniture).status_code == 200  # reading stays open


def test_anonymous_writes_are_401(api_client, tree):
    before = snapshot()
    assert api_client.post(URL, {"name": "Desks", "category_type": "PRODUCT"}).status_code == 401
    assert api_client.delete(detail_url("category", "furniture")).status_code == 401
    assert snapshot() == before


def test_each_write_needs_its_own_permission(jwt_client, tree):
    from django.contrib.auth.models import Permission

    adder = UserFactory(is_staff=True)
    adder.user_permissions.add(Permission.objects.get(codename="add_category"))
    client = jwt_client(adder)
    assert client.post(URL, {"name": "Desks", "category_type": "PRODUCT"}).status_code == 201
    assert client.patch(detail_url("category", "furniture"), {"name": "X"}).status_code == 403
    assert client.delete(detail_url("category", "furniture")).status_code == 403
    assert stored("furniture").name == "Furniture"


# ------------------------------------------------------------------------------- create
def test_create_a_root(auth_client, user):
    response = auth_client.post(
        URL,
        {
            "name": "Office Supplies",
            "category_type": "PRODUCT",
            "description": "Pens and paper.",
            "custom_fields": {"erp_code": "OS-1", "tags": ["paper"]},
        },
    )

    assert response.status_code == 201
    category = stored("office-supplies")
    assert response.data == {
        **response.data,
        "id": category.pk,
        "name": "Office Supplies",
        "slug": "office-supplies",
        "description": "Pens and paper.",
        "parent": None,
        "parent_slug": None,
        "category_type": "PRODUCT",
        "level": 0,
        "is_active": True,
        "custom_fields": {"erp_code": "OS-1", "tags": ["paper"]},
    }
    assert category.name == "Office Supplies"
    assert category.parent is None
    assert category.custom_fields == {"erp_code": "OS-1", "tags": ["paper"]}
    assert category.created_by == user
    assert category.updated_by == user


def test_create_with_the_minimum(auth_client):
    response = auth_client.post(URL, {"name": "Misc", "category_type": "OTHER"})

    assert response.status_code == 201
    assert response.data["slug"] == "misc"
    assert response.data["description"] == ""
    assert response.data["custom_fields"] == {}
    assert response.data["is_active"] is True


def test_create_inactive(auth_client):
    response = auth_client.post(URL, {"name": "Old", "category_type": "OTHER", "is_active": False})

    assert response.status_code == 201
    assert stored("old").is_active is False


def test_create_under_a_parent_given_by_id(auth_client, tree):
    response = auth_client.post(
        URL, {"name": "Desks", "category_type": "PRODUCT", "parent": tree["furniture"].pk}
    )

    assert response.status_code == 201
    assert response.data["parent"] == tree["furniture"].pk
    assert response.data["parent_slug"] == "furniture"
    assert response.data["level"] == 1
    assert stored("desks").parent == tree["furniture"]


def test_create_under_a_parent_given_by_slug(auth_client, tree):
    response = auth_client.post(
        URL, {"name": "Gaming Chairs", "category_type": "PRODUCT", "parent_slug": "chairs"}
    )

    assert response.status_code == 201
    assert response.data["parent"] == tree["chairs"].pk
    assert response.data["parent_slug"] == "chairs"
    assert response.data["level"] == 2
    assert stored("gaming-chairs").parent == tree["chairs"]
    assert tree_names(auth_client)[0] == (
        "Furniture",
        [("Chairs", [("Gaming Chairs", []), ("Office Chairs", [])]), ("Tables", [])],
    )


def test_create_with_both_parent_fields_naming_the_same_category(auth_client, tree):
    response = auth_client.post(
        URL,
        {
            "name": "Desks",
            "category_type": "PRODUCT",
            "parent": tree["furniture"].pk,
            "parent_slug": "furniture",
        },
    )

    assert response.status_code == 201
    assert stored("desks").parent == tree["furniture"]


def test_create_with_null_parent_fields_makes_a_root(auth_client, tree):
    response = auth_client.post(
        URL, {"name": "Desks", "category_type": "PRODUCT", "parent": None, "parent_slug": None}
    )

    assert response.status_code == 201
    assert stored("desks").parent is None


@pytest.mark.parametrize(
    ("parent", "parent_slug"),
    [("furniture", "lighting"), ("furniture", None), (None, "lighting"), ("furniture", "")],
)
def test_parent_fields_naming_different_categories_are_400(auth_client, tree, parent, parent_slug):
    before = snapshot()
    parent_id = tree[parent].pk if parent else None

    response = auth_client.post(
        URL,
        {
            "name": "Desks",
            "category_type": "PRODUCT",
            "parent": parent_id,
            "parent_slug": parent_slug,
        },
    )

    assert response.status_code == 400
    assert "parent_slug" in response.data
    assert snapshot() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"parent": 999999}, "parent"),
        ({"parent": "abc"}, "parent"),
        ({"parent_slug": "unknown"}, "parent_slug"),
        ({"parent": 999999, "parent_slug": "furniture"}, "parent"),
        ({"parent": "abc", "parent_slug": "furniture"}, "parent"),
    ],
)
def test_unknown_parent_is_400(auth_client, tree, payload, field):
    response = auth_client.post(URL, {"name": "Desks", "category_type": "PRODUCT", **payload})

    assert response.status_code == 400
    assert field in response.data
    assert not Category.objects.filter(name="Desks").exists()


def test_parent_of_another_type_is_400(auth_client, tree):
    response = auth_client.post(
        URL, {"name": "Receipts", "category_type": "DOCUMENT_TYPE", "parent_slug": "furniture"}
    )

    assert response.status_code == 400
    assert set(response.data) == {"parent"}
    assert not Category.objects.filter(name="Receipts").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category_type": "PRODUCT"}, "name"),
        ({"name": "", "category_type": "PRODUCT"}, "name"),
        ({"name": "x" * 256, "category_type": "PRODUCT"}, "name"),
        ({"name": "Desks"}, "category_type"),
        ({"name": "Desks", "category_type": "BAD"}, "category_type"),
        ({"name": "Desks", "category_type": "product"}, "category_type"),
        (
            {"name": "Desks", "category_type": "PRODUCT", "custom_fields": ["a", "b"]},
            "custom_fields",
        ),
        ({"name": "Desks", "category_type": "PRODUCT", "custom_fields": "text"}, "custom_fields"),
        ({"name": "Desks", "category_type": "PRODUCT", "custom_fields": 3}, "custom_fields"),
        ({"name": "Desks", "category_type": "PRODUCT", "custom_fields": {" ": 1}}, "custom_fields"),
        ({"name": "Desks", "category_type": "PRODUCT", "slug": "not a slug"}, "slug"),
        ({"name": "Desks", "category_type": "PRODUCT", "is_active": "maybe"}, "is_active"),
    ],
)
def test_invalid_payload_is_400(auth_client, payload, field):
    response = auth_client.post(URL, payload)

    assert response.status_code == 400
    assert field in response.data
    assert Category.objects.count() == 0


def test_null_custom_fields_are_400(auth_client):
    response = auth_client.post(
        URL, {"name": "Desks", "category_type": "PRODUCT", "custom_fields": None}
    )

    assert response.status_code == 400
    assert set(response.data) == {"custom_fields"}
    assert Category.objects.count() == 0


def test_read_only_fields_are_ignored_on_create(auth_client):
    response = auth_client.post(
        URL,
        {
            "name": "Desks",
            "category_type": "PRODUCT",
            "id": 424242,
            "level": 7,
            "created_at": "2000-01-01T00:00:00Z",
        },
    )

    assert response.status_code == 201
    assert response.data["id"] != 424242
    assert response.data["level"] == 0
    assert not response.data["created_at"].startswith("2000")


# --------------------------------------------------------------------------------- slugs
def test_slugs_of_equal_names_get_a_numeric_suffix(auth_client, tree):
    slugs = [
        auth_client.post(
            URL, {"name": "Office Chairs", "category_type": "PRODUCT", "parent_slug": parent}
        ).data["slug"]
        for parent in ("tables", "lighting", None)
    ]

    assert slugs == ["office-chairs-2", "office-chairs-3", "office-chairs-4"]
    assert Category.objects.filter(name="Office Chairs").count() == 4


def test_slug_of_a_name_in_another_type(auth_client, tree):
    response = auth_client.post(URL, {"name": "Furniture", "category_type": "ASSET_TYPE"})

    assert response.status_code == 201
    assert response.data["slug"] == "furniture-2"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café & Bar Tables", "cafe-bar-tables"),
        ("!!!", "category"),
        ("  Spaced  Out ", "spaced-out"),
    ],
)
def test_generated_slug(auth_client, name, slug):
    response = auth_client.post(URL, {"name": name, "category_type": "PRODUCT"})

    assert response.status_code == 201
    assert response.data["slug"] == slug


def test_long_names_give_slugs_that_fit(auth_client):
    name = "Long " * 60
    first = auth_client.post(URL, {"name": name[:255], "category_type": "PRODUCT"})
    second = auth_client.post(URL, {"name": name[:255], "category_type": "OTHER"})

    assert first.status_code == second.status_code == 201
    assert len(first.data["slug"]) <= 255
    assert len(second.data["slug"]) <= 255
    assert second.data["slug"].endswith("-2")


def test_explicit_slug(auth_client):
    response = auth_client.post(
        URL, {"name": "Desks", "category_type": "PRODUCT", "slug": "tables"}
    )

    assert response.status_code == 201
    assert response.data["slug"] == "tables"
    assert stored("tables").name == "Desks"


def test_blank_slug_is_generated(auth_client):
    response = auth_client.post(URL, {"name": "Desks", "category_type": "PRODUCT", "slug": ""})

    assert response.status_code == 201
    assert response.data["slug"] == "desks"


def test_explicit_slug_in_use_is_400(auth_client, tree):
    response = auth_client.post(
        URL, {"name": "Desks", "category_type": "PRODUCT", "slug": "furniture"}
    )

    assert response.status_code == 400
    assert set(response.data) == {"slug"}
    assert not Category.objects.filter(name="Desks").exists()


# ---------------------------------------------------------------------------- uniqueness
def test_equal_name_under_the_same_parent_is_400(auth_client, tree):
    response = auth_client.post(
        URL, {"name": "Chairs", "category_type": "PRODUCT", "parent_slug": "furniture"}
    )

    assert response.status_code == 400
    assert set(response.data) == {"name"}
    assert Category.objects.filter(name="Chairs").count() == 1


def test_equal_name_among_roots_is_400(auth_client, tree):
    response = auth_client.post(URL, {"name": "Furniture", "category_type": "PRODUCT"})

    assert response.status_code == 400
    assert set(response.data) == {"name"}
    assert Category.objects.filter(name="Furniture").count() == 1


def test_equal_name_under_another_parent_or_type_is_allowed(auth_client, tree):
    elsewhere = auth_client.post(
        URL, {"name": "Chairs", "category_type": "PRODUCT", "parent_slug": "lighting"}
    )
    as_root = auth_client.post(URL, {"name": "Chairs", "category_type": "PRODUCT"})
    other_type = auth_client.post(URL, {"name": "Furniture", "category_type": "ASSET_TYPE"})

    assert elsewhere.status_code == as_root.status_code == other_type.status_code == 201
    assert Category.objects.filter(name="Chairs").count() == 3


# ------------------------------------------------------------------------------- update
def test_patch_records_who_changed_it(jwt_client, user, tree):
    author = jwt_client(user)
    created = author.post(URL, {"name": "Desks", "category_type": "PRODUCT"})
    editor = category_staff()

    response = jwt_client(editor).patch(
        detail_url("category", "desks"), {"description": "Standing too."}
    )

    assert created.status_code == 201
    assert response.status_code == 200
    assert response.data["description"] == "Standing too."
    category = stored("desks")
    assert category.description == "Standing too."
    assert category.created_by == user
    assert category.updated_by == editor


def test_rename_keeps_the_slug(auth_client, tree):
    response = auth_client.patch(detail_url("category", "tables"), {"name": "Desks"})

    assert response.status_code == 200
    assert response.data["name"] == "Desks"
    assert response.data["slug"] == "tables"
    assert stored("tables").name == "Desks"


def test_change_the_slug(auth_client, tree):
    response = auth_client.patch(detail_url("category", "tables"), {"slug": "desks"})

    assert response.status_code == 200
    assert stored("desks").pk == tree["tables"].pk
    assert auth_client.get(detail_url("category", "tables")).status_code == 404
    # Its child still names it by its new slug.
    assert auth_client.get(detail_url("category", "desks")).data["name"] == "Tables"


def test_change_the_slug_to_one_in_use_is_400(auth_client, tree):
    response = auth_client.patch(detail_url("category", "tables"), {"slug": "chairs"})

    assert response.status_code == 400
    assert set(response.data) == {"slug"}
    assert stored("tables").pk == tree["tables"].pk


def test_patch_with_its_own_name_and_slug(auth_client, tree):
    response = auth_client.patch(
        detail_url("category", "chairs"), {"name": "Chairs", "slug": "chairs"}
    )

    assert response.status_code == 200


def test_rename_to_a_sibling_name_is_400(auth_client, tree):
    response = auth_client.patch(detail_url("category", "tables"), {"name": "Chairs"})

    assert response.status_code == 400
    assert set(response.data) == {"name"}
    assert stored("tables").name == "Tables"


def test_rename_to_another_root_name_is_400(auth_client, tree):
    response = auth_client.patch(detail_url("category", "lighting"), {"name": "Furniture"})

    assert response.status_code == 400
    assert set(response.data) == {"name"}


def test_put_the_representation_returned_by_get(auth_client, tree):
    representation = auth_client.get(detail_url("category", "office-chairs")).data
    before = snapshot()

    response = auth_client.put(detail_url("category", "office-chairs"), representation)

    assert representation["parent"] == tree["chairs"].pk
    assert representation["parent_slug"] == "chairs"
    assert response.status_code == 200
    assert {k: v for k, v in response.data.items() if k != "updated_at"} == {
        k: v for k, v in representation.items() if k != "updated_at"
    }
    assert [{k: v for k, v in row.items() if k != "updated_by"} for row in snapshot()] == [
        {k: v for k, v in row.items() if k != "updated_by"} for row in before
    ]


def test_put_the_representation_of_a_root(auth_client, tree):
    representation = auth_client.get(detail_url("category", "lighting")).data

    response = auth_client.put(
        detail_url("category", "lighting"), {**representation, "description": "Lamps."}
    )

    assert response.status_code == 200
    assert response.data["parent"] is None
    assert stored("lighting").description == "Lamps."


def test_put_the_representation_with_a_new_parent_in_both_fields(auth_client, tree):
    representation = auth_client.get(detail_url("category", "office-chairs")).data

    response = auth_client.put(
        detail_url("category", "office-chairs"),
        {**representation, "parent": tree["lighting"].pk, "parent_slug": "lighting"},
    )

    assert response.status_code == 200
    assert response.data["level"] == 1
    assert stored("office-chairs").parent == tree["lighting"]


def test_put_the_representation_with_only_one_parent_field_changed_is_400(auth_client, tree):
    representation = auth_client.get(detail_url("category", "office-chairs")).data

    response = auth_client.put(
        detail_url("category", "office-chairs"), {**representation, "parent": tree["lighting"].pk}
    )

    assert response.status_code == 400
    assert "parent_slug" in response.data
    assert stored("office-chairs").parent == tree["chairs"]


def test_put_requires_the_required_fields(auth_client, tree):
    response = auth_client.put(detail_url("category", "tables"), {"name": "Desks"})

    assert response.status_code == 400
    assert set(response.data) == {"category_type"}
    assert stored("tables").name == "Tables"


def test_read_only_fields_are_ignored_on_update(auth_client, tree):
    response = auth_client.patch(
        detail_url("category", "chairs"), {"level": 5, "id": 424242, "description": "Seats."}
    )

    assert response.status_code == 200
    assert response.data["level"] == 1
    assert response.data["id"] == tree["chairs"].pk
    assert stored("chairs").level == 1


def test_patch_custom_fields_not_an_object_is_400(auth_client, tree):
    response = auth_client.patch(detail_url("category", "chairs"), {"custom_fields": [1, 2]})

    assert response.status_code == 400
    assert set(response.data) == {"custom_fields"}
    assert stored("chairs").custom_fields == {}


def test_patch_custom_fields(auth_client, tree):
    response = auth_client.patch(
        detail_url("category", "chairs"), {"custom_fields": {"gl_account": "6100"}}
    )

    assert response.status_code == 200
    assert stored("chairs").custom_fields == {"gl_account": "6100"}


def test_deactivate(auth_client, tree):
    response = auth_client.patch(detail_url("category", "chairs"), {"is_active": False})

    assert response.status_code == 200
    assert stored("chairs").is_active is False
    assert tree_names(auth_client)[0] == ("Furniture", [("Tables", [])])


# ---------------------------------------------------------------------------------- move
def test_move_a_subtree_under_another_parent(auth_client, tree):
    response = auth_client.patch(detail_url("category", "chairs"), {"parent": tree["tables"].pk})

    assert response.status_code == 200
    assert response.data["parent"] == tree["tables"].pk
    assert response.data["parent_slug"] == "tables"
    assert response.data["level"] == 2
    assert stored("chairs").level == 2
    assert stored("office-chairs").level == 3
    assert stored("office-chairs").parent == tree["chairs"]
    assert tree_names(auth_client) == [
        ("Furniture", [("Tables", [("Chairs", [("Office Chairs", [])])])]),
        ("Lighting", []),
    ]
    office = auth_client.get(detail_url("category", "office-chairs")).data
    assert office["level"] == 3


def test_move_a_subtree_by_parent_slug(auth_client, tree):
    response = auth_client.patch(detail_url("category", "chairs"), {"parent_slug": "lighting"})

    assert response.status_code == 200
    assert response.data["level"] == 1
    assert tree_names(auth_client) == [
        ("Furniture", [("Tables", [])]),
        ("Lighting", [("Chairs", [("Office Chairs", [])])]),
    ]


def test_move_a_subtree_to_the_top(auth_client, tree):
    response = auth_client.patch(detail_url("category", "chairs"), {"parent": None})

    assert response.status_code == 200
    assert response.data["level"] == 0
    assert response.data["parent_slug"] is None
    assert stored("office-chairs").level == 1
    assert tree_names(auth_client) == [
        ("Chairs", [("Office Chairs", [])]),
        ("Furniture", [("Tables", [])]),
        ("Lighting", []),
    ]


def test_move_a_leaf_deeper(auth_client, tree):
    response = auth_client.patch(
        detail_url("category", "lighting"), {"parent_slug": "office-chairs"}
    )

    assert response.status_code == 200
    assert response.data["level"] == 3
    assert stored("lighting").level == 3


@pytest.mark.parametrize("target", ["chairs", "office-chairs"])
def test_move_under_itself_or_a_descendant_is_400(auth_client, tree, target):
    before = snapshot()

    response = auth_client.patch(detail_url("category", "chairs"), {"parent_slug": target})

    assert response.status_code == 400
    assert set(response.data) == {"parent"}
    assert snapshot() == before


def test_move_a_root_under_its_descendant_by_id_is_400(auth_client, tree):
    before = snapshot()

    response = auth_client.patch(detail_url("category", "furniture"), {"parent": tree["office"].pk})

    assert response.status_code == 400
    assert set(response.data) == {"parent"}
    assert snapshot() == before


def test_move_under_a_parent_of_another_type_is_400(auth_client, tree):
    response = auth_client.patch(detail_url("category", "tables"), {"parent_slug": "invoices"})

    assert response.status_code == 400
    assert set(response.data) == {"parent"}
    assert stored("tables").parent == tree["furniture"]


def test_move_next_to_a_sibling_of_the_same_name_is_400(auth_client, tree):
    CategoryFactory(name="Office Chairs", parent=tree["furniture"])
    before = snapshot()

    response = auth_client.patch(
        detail_url("category", "office-chairs"), {"parent_slug": "furniture"}
    )

    assert response.status_code == 400
    assert set(response.data) == {"name"}
    assert snapshot() == before


# ------------------------------------------------------------------------- category type
def test_change_the_type_of_a_category_with_children_is_400(auth_client, tree):
    response = auth_client.patch(
        detail_url("category", "furniture"), {"category_type": "ASSET_TYPE"}
    )

    assert response.status_code == 400
    assert set(response.data) == {"category_type"}
    assert stored("furniture").category_type == "PRODUCT"


def test_change_the_type_of_a_root_leaf(auth_client, tree):
    response = auth_client.patch(
        detail_url("category", "lighting"), {"category_type": "ASSET_TYPE"}
    )

    assert response.status_code == 200
    assert response.data["category_type"] == "ASSET_TYPE"
    assert stored("lighting").category_type == "ASSET_TYPE"
    assert tree_names(auth_client, "ASSET_TYPE") == [("Lighting", [])]


def test_change_the_type_of_a_leaf_under_a_parent_is_400(auth_client, tree):
    response = auth_client.patch(detail_url("category", "tables"), {"category_type": "ASSET_TYPE"})

    assert response.status_code == 400
    assert set(response.data) == {"parent"}
    assert stored("tables").category_type == "PRODUCT"


def test_change_the_type_of_a_leaf_moved_to_the_top(auth_client, tree):
    response = auth_client.patch(
        detail_url("category", "tables"), {"category_type": "ASSET_TYPE", "parent": None}
    )

    assert response.status_code == 200
    assert stored("tables").category_type == "ASSET_TYPE"
    assert stored("tables").level == 0


def test_change_the_type_to_one_with_a_root_of_the_same_name_is_400(auth_client, tree):
    CategoryFactory(name="Lighting", category_type="ASSET_TYPE")

    response = auth_client.patch(
        detail_url("category", "lighting"), {"category_type": "ASSET_TYPE"}
    )

    assert response.status_code == 400
    assert set(response.data) == {"name"}


# ------------------------------------------------------------------------------- delete
def test_delete_removes_the_subtree(auth_client, tree):
    response = auth_client.delete(detail_url("category", "furniture"))

    assert response.status_code == 204
    assert set(Category.objects.values_list("slug", flat=True)) == {"lighting", "invoices"}
    assert auth_client.get(detail_url("category", "chairs")).status_code == 404
    assert tree_names(auth_client) == [("Lighting", [])]


def test_delete_a_leaf(auth_client, tree):
    response = auth_client.delete(detail_url("category", "office-chairs"))

    assert response.status_code == 204
    assert not Category.objects.filter(slug="office-chairs").exists()
    chairs = stored("chairs")
    assert chairs.is_leaf_node()
    assert tree_names(auth_client)[0] == ("Furniture", [("Chairs", []), ("Tables", [])])


def test_the_tree_stays_usable_after_a_delete(auth_client, tree):
    auth_client.delete(detail_url("category", "chairs"))

    response = auth_client.post(
        URL, {"name": "Benches", "category_type": "PRODUCT", "parent_slug": "furniture"}
    )

    assert response.status_code == 201
    assert response.data["level"] == 1
    assert tree_names(auth_client)[0] == ("Furniture", [("Benches", []), ("Tables", [])])
    assert Category.objects.get(slug="furniture").get_descendant_count() == 2


def test_delete_unknown_is_404(auth_client, tree):
    assert auth_client.delete(detail_url("category", "unknown")).status_code == 404
    assert Category.objects.count() == 6


# ----------------------------------------------------------------------- authentication
@pytest.mark.parametrize(
    ("method", "slug", "payload"),
    [
        ("post", None, {"name": "Desks", "category_type": "PRODUCT"}),
        ("put", "tables", {"name": "Desks", "category_type": "PRODUCT"}),
        ("patch", "tables", {"name": "Desks"}),
        ("delete", "tables", None),
    ],
)
def test_writes_need_authentication(api_client, tree, method, slug, payload):
    before = snapshot()
    url = URL if slug is None else detail_url("category", slug)

    response = getattr(api_client, method)(url, payload)

    assert response.status_code == 401
    assert response.data["code"] == "not_authenticated"
    assert snapshot() == before


def test_writes_with_an_invalid_token_are_401(api_client, tree):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer invalid")

    response = api_client.post(URL, {"name": "Desks", "category_type": "PRODUCT"})

    assert response.status_code == 401
    assert not Category.objects.filter(name="Desks").exists()


def test_writes_with_an_api_key(api_client, api_key_for, tree):
    key_user = category_staff()
    _api_key, key = api_key_for(key_user)

    created = api_client.post(
        URL, {"name": "Desks", "category_type": "PRODUCT"}, HTTP_X_API_KEY=key
    )
    changed = api_client.patch(
        detail_url("category", "tables"), {"description": "Flat."}, HTTP_X_API_KEY=key
    )
    deleted = api_client.delete(detail_url("category", "lighting"), HTTP_X_API_KEY=key)

    assert created.status_code == 201
    assert changed.status_code == 200
    assert deleted.status_code == 204
    desks = stored("desks")
    assert desks.created_by == key_user
    assert desks.updated_by == key_user
    assert stored("tables").updated_by == key_user
    assert stored("tables").description == "Flat."
    assert not Category.objects.filter(slug="lighting").exists()


def test_writes_with_a_revoked_api_key_are_401(api_client, api_key_for, user):
    _api_key, key = api_key_for(user, revoked=True)

    response = api_client.post(
        URL, {"name": "Desks", "category_type": "PRODUCT"}, HTTP_X_API_KEY=key
    )

    assert response.status_code == 401
    assert Category.objects.count() == 0
