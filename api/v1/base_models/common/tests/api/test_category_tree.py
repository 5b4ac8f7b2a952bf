"""GET /api/v1/categories/tree/<category_type>/: the roots of a type with their
subcategories nested in `children`, from one query."""

import pytest

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.models import Category
from api.v1.base_models.common.tests.factories import CategoryFactory

from .helpers import detail_url, list_url, tree_url

pytestmark = pytest.mark.django_db

NODE_FIELDS = {
    "id",
    "name",
    "slug",
    "description",
    "level",
    "is_active",
    "custom_fields",
    "children",
}


def shape(nodes) -> list:
    """(name, [children...]) pairs of a tree response."""
    return [(node["name"], shape(node["children"])) for node in nodes]


def all_nodes(nodes):
    for node in nodes:
        yield node
        yield from all_nodes(node["children"])


@pytest.fixture
def three_levels():
    """Three PRODUCT roots created out of name order, two of them with two levels below."""
    garden = CategoryFactory(name="Garden")
    office = CategoryFactory(name="Office", description="Work.", custom_fields={"gl": "61"})
    CategoryFactory(name="Kitchen")
    paper = CategoryFactory(name="Paper", parent=office)
    CategoryFactory(name="Printer Paper", parent=paper)
    CategoryFactory(name="Notebooks", parent=paper)
    CategoryFactory(name="Desks", parent=office)
    tools = CategoryFactory(name="Tools", parent=garden)
    CategoryFactory(name="Shovels", parent=tools)
    CategoryFactory(name="Hoses", parent=garden)
    # Another type is another tree.
    invoices = CategoryFactory(name="Invoices", category_type="DOCUMENT_TYPE")
    CategoryFactory(name="Credit Notes", parent=invoices)
    return {"office": office, "paper": paper}


def test_nested_tree_ordered_by_name(api_client, three_levels):
    response = api_client.get(tree_url("PRODUCT"))

    assert response.status_code == 200
    assert isinstance(response.data, list)
    assert shape(response.data) == [
        ("Garden", [("Hoses", []), ("Tools", [("Shovels", [])])]),
        ("Kitchen", []),
        ("Office", [("Desks", []), ("Paper", [("Notebooks", []), ("Printer Paper", [])])]),
    ]


def test_node_fields(api_client, three_levels):
    data = api_client.get(tree_url("PRODUCT")).data
    office = data[2]
    paper = office["children"][1]
    notebooks = paper["children"][0]

    assert set(office) == NODE_FIELDS
    assert office["id"] == three_levels["office"].pk
    assert office["slug"] == "office"
    assert office["description"] == "Work."
    assert office["custom_fields"] == {"gl": "61"}
    assert office["is_active"] is True
    assert [office["level"], paper["level"], notebooks["level"]] == [0, 1, 2]
    assert paper["id"] == three_levels["paper"].pk
    assert notebooks["children"] == []


def test_every_category_of_the_type_appears_once(api_client, three_levels):
    nodes = list(all_nodes(api_client.get(tree_url("PRODUCT")).data))

    ids = [node["id"] for node in nodes]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(
        Category.objects.filter(category_type="PRODUCT").values_list("pk", flat=True)
    )


def test_each_type_has_its_own_tree(api_client, three_levels):
    assert shape(api_client.get(tree_url("DOCUMENT_TYPE")).data) == [
        ("Invoices", [("Credit Notes", [])])
    ]
    assert api_client.get(tree_url("ASSET_TYPE")).data == []


@pytest.mark.parametrize("category_type", CategoryType.values)
def test_every_type_has_a_tree(api_client, category_type):
    CategoryFactory(name="Root", category_type=category_type)

    response = api_client.get(tree_url(category_type))

    assert response.status_code == 200
    assert shape(response.data) == [("Root", [])]


def test_empty_tree(api_client):
    response = api_client.get(tree_url("PRODUCT"))

    assert response.status_code == 200
    assert response.data == []


@pytest.mark.parametrize("category_type", ["BAD", "PRODUCTS", "cost_center"])
def test_unknown_type_is_404(api_client, category_type):
    response = api_client.get(tree_url(category_type))

    assert response.status_code == 404
    assert "PRODUCT" in str(response.data["detail"])


@pytest.mark.parametrize("category_type", ["product", "Product"])
def test_the_type_is_read_case_insensitively(api_client, category_type):
    CategoryFactory(name="Furniture", category_type="PRODUCT")

    response = api_client.get(tree_url(category_type))

    assert response.status_code == 200
    assert [node["name"] for node in response.data] == ["Furniture"]


def test_the_tree_is_not_paginated(api_client):
    CategoryFactory.create_batch(30)

    response = api_client.get(tree_url("PRODUCT"), {"page_size": 5, "page": 2})

    assert response.status_code == 200
    assert len(response.data) == 30


def test_list_filters_do_not_apply(api_client, three_levels):
    response = api_client.get(tree_url("PRODUCT"), {"search": "paper", "is_root": "false"})

    assert [node["name"] for node in response.data] == ["Garden", "Kitchen", "Office"]


def test_the_tree_is_public(api_client, auth_client, three_levels):
    assert api_client.get(tree_url("PRODUCT")).data == auth_client.get(tree_url("PRODUCT")).data


def test_writes_to_the_tree_are_not_allowed(auth_client, three_levels):
    response = auth_client.post(tree_url("PRODUCT"), {"name": "X"})

    assert response.status_code == 405
    assert not Category.objects.filter(name="X").exists()


def test_a_renamed_category_moves_to_its_place(auth_client, three_levels):
    response = auth_client.patch(detail_url("category", "office"), {"name": "Appliances"})
    paper = auth_client.patch(detail_url("category", "paper"), {"name": "Art Paper"})

    assert response.status_code == paper.status_code == 200
    assert [node["name"] for node in auth_client.get(tree_url("PRODUCT")).data] == [
        "Appliances",
        "Garden",
        "Kitchen",
    ]
    appliances = auth_client.get(tree_url("PRODUCT")).data[0]
    assert [node["name"] for node in appliances["children"]] == ["Art Paper", "Desks"]


def test_a_category_created_through_the_api_takes_its_place(auth_client, three_levels):
    created = auth_client.post(
        list_url("category"),
        {"name": "Chairs", "category_type": "PRODUCT", "parent_slug": "office"},
    )
    root = auth_client.post(list_url("category"), {"name": "Bathroom", "category_type": "PRODUCT"})

    assert created.status_code == root.status_code == 201
    data = auth_client.get(tree_url("PRODUCT")).data
    assert [node["name"] for node in data] == ["Bathroom", "Garden", "Kitchen", "Office"]
    assert [node["name"] for node in data[3]["children"]] == ["Chairs", "Desks", "Paper"]


# ------------------------------------------------------------------------------ inactive
def test_an_inactive_category_hides_its_subtree(api_client, three_levels):
    Category.objects.filter(name="Paper").update(is_active=False)

    response = api_client.get(tree_url("PRODUCT"))

    assert shape(response.data)[2] == ("Office", [("Desks", [])])


def test_an_inactive_root_hides_its_tree(api_client, three_levels):
    Category.objects.filter(name="Garden").update(is_active=False)

    response = api_client.get(tree_url("PRODUCT"))

    assert [node["name"] for node in response.data] == ["Kitchen", "Office"]
    assert "Shovels" not in {node["name"] for node in all_nodes(response.data)}


def test_an_inactive_leaf_is_left_out(api_client, three_levels):
    Category.objects.filter(name="Notebooks").update(is_active=False)

    paper = api_client.get(tree_url("PRODUCT")).data[2]["children"][1]

    assert shape([paper]) == [("Paper", [("Printer Paper", [])])]


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "on"])
def test_include_inactive(api_client, three_levels, value):
    Category.objects.filter(name__in=["Paper", "Garden"]).update(is_active=False)

    response = api_client.get(tree_url("PRODUCT"), {"include_inactive": value})

    assert response.status_code == 200
    assert shape(response.data) == [
        ("Garden", [("Hoses", []), ("Tools", [("Shovels", [])])]),
        ("Kitchen", []),
        ("Office", [("Desks", []), ("Paper", [("Notebooks", []), ("Printer Paper", [])])]),
    ]
    active = {node["name"]: node["is_active"] for node in all_nodes(response.data)}
    assert active["Garden"] is False
    assert active["Paper"] is False
    assert active["Notebooks"] is True


@pytest.mark.parametrize("value", ["false", "False", "0", "no"])
def test_include_inactive_false(api_client, three_levels, value):
    Category.objects.filter(name="Paper").update(is_active=False)

    response = api_client.get(tree_url("PRODUCT"), {"include_inactive": value})

    assert response.status_code == 200
    assert "Paper" not in {node["name"] for node in all_nodes(response.data)}
    assert "Notebooks" not in {node["name"] for node in all_nodes(response.data)}


@pytest.mark.parametrize("value", ["maybe", "2", "truee"])
def test_bad_include_inactive_is_400(api_client, three_levels, value):
    response = api_client.get(tree_url("PRODUCT"), {"include_inactive": value})

    assert response.status_code == 400
    assert set(response.data) == {"include_inactive"}


# ------------------------------------------------------------------------------- queries
def build_tree(roots: int, children: int, grandchildren: int) -> int:
    """A PRODUCT tree of that shape; returns its number of categories."""
    for root in CategoryFactory.create_batch(roots):
        for child in CategoryFactory.create_batch(children, parent=root):
            CategoryFactory.create_batch(grandchildren, parent=child)
    return Category.objects.filter(category_type="PRODUCT").count()


@pytest.mark.parametrize(("roots", "children", "grandchildren"), [(1, 1, 1), (6, 4, 3)])
@pytest.mark.parametrize("include_inactive", ["false", "true"])
def test_one_query_whatever_the_size(
    api_client, django_assert_num_queries, roots, children, grandchildren, include_inactive
):
    size = build_tree(roots, children, grandchildren)

    with django_assert_num_queries(1):
        response = api_client.get(tree_url("PRODUCT"), {"include_inactive": include_inactive})

    assert len(list(all_nodes(response.data))) == size
    assert len(response.data) == roots


def test_same_queries_for_small_and_large_trees(
    auth_client, django_assert_num_queries, django_assert_max_num_queries
):
    build_tree(1, 1, 1)
    with django_assert_max_num_queries(5) as small:
        auth_client.get(tree_url("PRODUCT"))

    build_tree(8, 5, 2)
    with django_assert_num_queries(len(small)):
        response = auth_client.get(tree_url("PRODUCT"))

    assert len(list(all_nodes(response.data))) == 3 + 8 * (1 + 5 + 10)
