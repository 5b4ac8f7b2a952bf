"""Category: slugs, tree fields, uniqueness per level, parent rules, deletion."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import pre_delete

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.models import Category
from api.v1.base_models.common.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

SLUG_LENGTH = Category._meta.get_field("slug").max_length


def clean_errors(instance) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


def tree_snapshot():
    return list(
        Category.objects.order_by("pk").values_list("pk", "parent_id", "tree_id", "lft", "rght")
    )


def fresh(*categories):
    for category in categories:
        category.refresh_from_db()
    return categories


@pytest.fixture
def furniture():
    """Furniture > (Chairs > Office Chairs, Tables); all PRODUCT."""
    root = CategoryFactory(name="Furniture")
    chairs = CategoryFactory(name="Chairs", parent=root)
    office = CategoryFactory(name="Office Chairs", parent=chairs)
    tables = CategoryFactory(name="Tables", parent=root)
    return fresh(root, chairs, office, tables)


class TestSlug:
    def test_generated_from_the_name(self):
        category = Category.objects.create(name="Office Chairs", category_type="PRODUCT")
        assert category.slug == "office-chairs"
        assert Category.objects.get(slug="office-chairs") == category

    def test_non_ascii_letters_are_transliterated(self):
        assert CategoryFactory(name="Café Crème").slug == "cafe-creme"

    def test_made_unique_with_a_numeric_suffix(self):
        first = CategoryFactory(name="Chairs", category_type=CategoryType.PRODUCT)
        second = CategoryFactory(name="Chairs", category_type=CategoryType.ASSET_TYPE)
        third = CategoryFactory(name="Chairs", parent=first)
        assert [first.slug, second.slug, third.slug] == ["chairs", "chairs-2", "chairs-3"]

    def test_name_without_sluggable_characters(self):
        first = CategoryFactory(name="!!!")
        second = CategoryFactory(name="漢字")
        assert (first.slug, second.slug) == ("category", "category-2")

    def test_explicit_slug_is_kept(self):
        category = CategoryFactory(name="Office Chairs", slug="seating")
        category.refresh_from_db()
        assert category.slug == "seating"

    def test_slug_is_not_regenerated_on_rename(self):
        category = CategoryFactory(name="Chairs")
        category.name = "Seats"
        category.save()
        category.refresh_from_db()
        assert category.slug == "chairs"

    def test_an_emptied_slug_is_generated_again(self):
        category = CategoryFactory(name="Chairs")
        CategoryFactory(name="Sitting", slug="seats")
        category.name, category.slug = "Seats", ""
        category.save()
        assert category.slug == "seats-2"

    def test_long_names_are_truncated_to_the_field(self):
        name = "Very long category name " * 11  # 264 characters
        first = CategoryFactory(name=name[:255], category_type=CategoryType.PRODUCT)
        second = CategoryFactory(name=name[:255], category_type=CategoryType.OTHER)
        assert len(first.slug) <= SLUG_LENGTH
        assert len(second.slug) <= SLUG_LENGTH
        assert second.slug.endswith("-2")
        assert first.slug != second.slug
        assert not first.slug.endswith("-")
        first.full_clean()
        second.full_clean()

    def test_explicit_duplicate_slug_is_refused(self):
        CategoryFactory(name="Chairs")
        duplicate = CategoryFactory.build(name="Seats", slug="chairs")
        assert "slug" in clean_errors(duplicate)
        with pytest.raises(IntegrityError), transaction.atomic():
            duplicate.save()


class TestTreeFields:
    def test_filled_on_save(self, furniture):
        root, chairs, office, tables = furniture
        assert (root.level, chairs.level, office.level, tables.level) == (0, 1, 2, 1)
        assert {c.tree_id for c in furniture} == {root.tree_id}
        assert (root.lft, root.rght) == (1, 8)
        assert (chairs.lft, chairs.rght) == (2, 5)
        assert (office.lft, office.rght) == (3, 4)
        assert (tables.lft, tables.rght) == (6, 7)
        assert list(root.get_descendants()) == [chairs, office, tables]

    def test_each_root_has_its_own_tree(self, furniture):
        other = CategoryFactory(name="Invoices", category_type=CategoryType.DOCUMENT_TYPE)
        assert other.tree_id != furniture[0].tree_id
        assert (other.lft, other.rght, other.level) == (1, 2, 0)

    def test_children_ordered_by_name(self):
        root = CategoryFactory(name="Root")
        for name in ["Zinc", "Aluminium", "Copper"]:
            CategoryFactory(name=name, parent=root)
        assert [c.name for c in root.get_children()] == ["Aluminium", "Copper", "Zinc"]

    def test_move_updates_the_tree(self, furniture):
        root, chairs, office, tables = furniture
        office.parent = tables
        office.save()
        root, chairs, office, tables = fresh(root, chairs, office, tables)
        assert office.get_ancestors().last() == tables
        assert chairs.is_leaf_node()
        assert (root.lft, root.rght) == (1, 8)
        snapshot = tree_snapshot()
        Category.objects.rebuild()
        assert tree_snapshot() == snapshot

    def test_ordering_is_the_tree_order(self, furniture):
        other = CategoryFactory(name="Invoices", category_type=CategoryType.DOCUMENT_TYPE)
        assert list(Category.objects.all()) == [*furniture, other]

    def test_str_is_the_name(self, furniture):
        assert str(furniture[2]) == "Office Chairs"


class TestUniqueness:
    def test_two_roots_with_the_same_name_and_type_refused_by_the_database(self):
        CategoryFactory(name="Chairs", category_type=CategoryType.PRODUCT)
        with pytest.raises(IntegrityError), transaction.atomic():
            Category.objects.create(name="Chairs", slug="chairs-x", category_type="PRODUCT")
        assert Category.objects.filter(name="Chairs").count() == 1

    def test_two_roots_with_the_same_name_and_type_refused_by_full_clean(self):
        CategoryFactory(name="Chairs", category_type=CategoryType.PRODUCT)
        errors = clean_errors(Category(name="Chairs", category_type=CategoryType.PRODUCT))
        assert list(errors) == [NON_FIELD_ERRORS]
        assert "common_category_unique_root_name" in errors[NON_FIELD_ERRORS][0]

    def test_same_root_name_of_another_type_is_allowed(self):
        CategoryFactory(name="Chairs", category_type=CategoryType.PRODUCT)
        other = Category(name="Chairs", category_type=CategoryType.ASSET_TYPE)
        other.full_clean()
        other.save()
        assert Category.objects.filter(name="Chairs").count() == 2

    def test_two_siblings_with_the_same_name_refused(self, furniture):
        root = furniture[0]
        duplicate = Category(name="Chairs", parent=root, category_type=CategoryType.PRODUCT)
        errors = clean_errors(duplicate)
        assert list(errors) == [NON_FIELD_ERRORS]
        with pytest.raises(IntegrityError), transaction.atomic():
            Category.objects.create(
                name="Chairs", slug="chairs-x", parent=root, category_type="PRODUCT"
            )

    def test_same_name_under_another_parent_is_allowed(self, furniture):
        tables = furniture[3]
        category = Category(name="Chairs", parent=tables, category_type=CategoryType.PRODUCT)
        category.full_clean()
        category.save()
        assert category.slug == "chairs-2"

    def test_an_existing_category_does_not_collide_with_itself(self, furniture):
        for category in furniture:
            category.full_clean()


class TestParentRules:
    def test_parent_of_another_type_is_refused(self, furniture):
        category = Category(name="Desks", parent=furniture[0], category_type="ASSET_TYPE")
        assert list(clean_errors(category)) == ["parent"]

    def test_cannot_be_moved_under_itself(self, furniture):
        chairs = furniture[1]
        chairs.parent = chairs
        assert list(clean_errors(chairs)) == ["parent"]

    @pytest.mark.parametrize("new_parent", ["child", "grandchild"])
    def test_cannot_be_moved_under_a_descendant(self, new_parent):
        root = CategoryFactory(name="Root")
        child = CategoryFactory(name="Child", parent=root)
        grandchild = CategoryFactory(name="Grandchild", parent=child)
        root, child, grandchild = fresh(root, child, grandchild)
        root.parent = {"child": child, "grandchild": grandchild}[new_parent]
        errors = clean_errors(root)
        assert errors["parent"] == ["A category cannot be moved under itself or its descendants."]

    def test_can_be_moved_under_another_branch(self, furniture):
        *_, office, tables = furniture
        office.parent = tables
        office.full_clean()
        office.save()
        assert office.parent == tables

    def test_a_root_needs_no_parent(self):
        Category(name="Lonely", category_type=CategoryType.OTHER).full_clean()


class TestDeletion:
    def test_deleting_a_parent_deletes_its_subtree(self, furniture):
        root, chairs, _, tables = furniture
        other = CategoryFactory(name="Invoices", category_type=CategoryType.DOCUMENT_TYPE)
        chairs.delete()
        assert set(Category.objects.all()) == {root, tables, other}
        root.refresh_from_db()
        assert (root.lft, root.rght) == (1, 4)
        snapshot = tree_snapshot()
        Category.objects.rebuild()
        assert tree_snapshot() == snapshot

    def test_deleting_a_root_deletes_the_whole_tree(self, furniture):
        other = CategoryFactory(name="Invoices", category_type=CategoryType.DOCUMENT_TYPE)
        furniture[0].delete()
        assert list(Category.objects.all()) == [other]

    def test_a_failed_deletion_leaves_the_tree_intact(self, furniture):
        """django-mptt renumbers the tree before deleting the rows: when the deletion
        fails (here a pre_delete receiver that refuses it), the tree is restored."""
        chairs = furniture[1]
        before = tree_snapshot()

        def refuse(sender, instance, **kwargs):
            raise RuntimeError("deletion refused")

        pre_delete.connect(refuse, sender=Category, dispatch_uid="test-refuse")
        try:
            with pytest.raises(RuntimeError, match="deletion refused"):
                chairs.delete()
        finally:
            pre_delete.disconnect(sender=Category, dispatch_uid="test-refuse")
        assert tree_snapshot() == before
