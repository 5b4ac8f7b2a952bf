"""Admin building blocks shared by the apps.

An Admin of organization data inherits OrganizationScopedAdminMixin (or is an
OrganizationScopedModelAdmin). Staff without global (Django) permissions then meet only
what their roles let them see, wherever the Admin shows a record: the rows, the list
filters' choices, foreign-key and many-to-many choices (dropdowns, raw-id labels,
autocomplete), inlines, and the related objects listed by a delete confirmation.
Shared reference data (categories, currencies, units, roles...) has no organization and
stays visible.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.filters import RelatedFieldListFilter, RelatedOnlyFieldListFilter
from django.contrib.admin.utils import (
    NestedObjects,
    NotRelationField,
    get_fields_from_path,
    get_model_from_relation,
    quote,
)
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import router
from django.db.models import Q
from django.forms import ModelMultipleChoiceField
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from audit.grouping import one_row_per_record
from core import registry
from rbac.access import has_perm_in_org, organizations_with_perm, visible_organization_ids


# ------------------------------------------------------------------ who sees what
def organization_path(model) -> str | None:
    """The queryset path from `model` to the id of the organization a row belongs to
    ("pk" for organizations themselves), or None for shared data: the path its scoped
    Admin declares (`organization_lookup`), else the model's (core.registry)."""
    model_admin = admin.site._registry.get(model)
    if isinstance(model_admin, OrganizationScopedAdminMixin):
        return model_admin.organization_lookup
    return registry.organization_path(model)


def model_perm(model, verb: str) -> str:
    return f"{model._meta.app_label}.{verb}_{model._meta.model_name}"


def visible_organizations(user, *models) -> set[int] | None:
    """Ids of the organizations whose records of `models` the user may see in the
    Admin (None: all): where the role may view or change the model, every one with a
    model's global view or change permission, and organizations themselves by
    membership (rbac.access.visible_organization_ids)."""
    found = set()
    for model in models:
        ids = visible_organization_ids(
            user, model, ("view", "change"), global_perms=True, members_see_organizations=True
        )
        if ids is None:
            return None
        found |= ids
    return found


def visibility_condition(user, model, *also) -> Q | None:
    """The condition on `model`'s rows that the user may see, None when every row is
    (shared data, or a user not restricted). `also`: models whose visible
    organizations count too (an inline's parent, say)."""
    path = organization_path(model)
    if path is None:
        return None
    organizations = visible_organizations(user, model, *also)
    if organizations is None:
        return None
    return Q(**{f"{path}__in": organizations})


def visible_to(queryset, user, *also):
    """`queryset` limited to the rows the user may see (see visibility_condition)."""
    condition = visibility_condition(user, queryset.model, *also)
    return queryset if condition is None else queryset.filter(condition)


# -------------------------------------------------------------------- list filters
class ScopedRelatedChoicesMixin:
    """A related-field list filter offering only the related records that appear on the
    rows the user may see (RelatedOnlyFieldListFilter) and that the user may see
    themselves: another organization's records are never named."""

    def field_choices(self, field, request, model_admin):
        choices = super().field_choices(field, request, model_admin)
        unrestricted = getattr(model_admin, "sees_every_organization", None)
        if unrestricted is not None and unrestricted(request):
            return choices
        related = get_model_from_relation(field)
        target = field.target_field.name
        used = model_admin.get_queryset(request).values(f"{self.field_path}__{target}")
        candidates = related._default_manager.filter(**{f"{target}__in": used})
        allowed = set(visible_to(candidates, request.user).values_list(target, flat=True))
        return [choice for choice in choices if choice[0] in allowed]


class ScopedRelatedFieldListFilter(ScopedRelatedChoicesMixin, RelatedOnlyFieldListFilter):
    """What every related-field list filter of a scoped Admin becomes."""


_scoped_filter_classes: dict[type, type] = {RelatedFieldListFilter: ScopedRelatedFieldListFilter}


def scoped_list_filter_class(filter_class: type) -> type:
    """The scoped variant of a related-field list filter class."""
    if issubclass(filter_class, ScopedRelatedChoicesMixin):
        return filter_class
    if filter_class not in _scoped_filter_classes:
        _scoped_filter_classes[filter_class] = type(
            f"Scoped{filter_class.__name__}",
            (ScopedRelatedChoicesMixin, filter_class),
            {"__module__": __name__},
        )
    return _scoped_filter_classes[filter_class]


# ------------------------------------------------------------------ related choices
class ScopedForeignKeyRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """A raw-id input that names the chosen record only when it is one of the field's
    choices (a record the user may see): `?organization=<id>` on an add page does not
    reveal another organization's name."""

    def label_and_url_for_value(self, value):
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if queryset is not None and value not in (None, ""):
            key = self.rel.get_related_field().name
            try:
                if not queryset.filter(**{key: value}).exists():
                    return "", ""
            except (TypeError, ValueError, ValidationError):
                return "", ""
        return super().label_and_url_for_value(value)


class ScopedRelationsMixin:
    """Foreign-key and many-to-many form fields (dropdowns, raw-id inputs, autocomplete
    widgets, list_editable rows) offer only the records of organization-scoped models
    the user may see; shared reference data is left as it is."""

    def sees_every_organization(self, request) -> bool:
        """Staff with a global (Django) permission on the model are not restricted."""
        models = [self.model, getattr(self, "parent_model", None)]
        return any(
            request.user.has_perm(model_perm(model, verb))
            for model in models
            if model is not None
            for verb in ("view", "change", "add")
        )

    def _scope_formfield(self, formfield, request):
        queryset = getattr(formfield, "queryset", None)
        if queryset is None or self.sees_every_organization(request):
            return formfield
        condition = visibility_condition(request.user, queryset.model)
        if condition is not None:
            # Kept so that a change form can still show the record's current value.
            formfield.scope = (queryset, condition)
            formfield.queryset = queryset.filter(condition)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if (
            "widget" not in kwargs
            and db_field.name in self.raw_id_fields
            and db_field.name not in self.get_autocomplete_fields(request)
        ):
            kwargs["widget"] = ScopedForeignKeyRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return None if formfield is None else self._scope_formfield(formfield, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return None if formfield is None else self._scope_formfield(formfield, request)


class OrganizationScopedInlineMixin(ScopedRelationsMixin):
    """Inlines of a scoped Admin (added to them automatically): their rows and choices
    are limited like the parent's."""

    def get_queryset(self, request):
        return visible_to(super().get_queryset(request), request.user, self.parent_model)


_scoped_inline_classes: dict[type, type] = {}


def scoped_inline_class(inline_class: type) -> type:
    if issubclass(inline_class, OrganizationScopedInlineMixin):
        return inline_class
    if inline_class not in _scoped_inline_classes:
        _scoped_inline_classes[inline_class] = type(
            inline_class.__name__,
            (OrganizationScopedInlineMixin, inline_class),
            {"__module__": inline_class.__module__, "__qualname__": inline_class.__qualname__},
        )
    return _scoped_inline_classes[inline_class]


class OrganizationScopedAdminMixin(ScopedRelationsMixin):
    """The Admin of organization-bound records, for staff without global permissions:
    they see and edit the records of the organizations where their role holds the
    model's permissions, and can only pick those organizations. Superusers and staff
    with the global (Django) permission are not restricted.

    Everything else the Admin shows is limited the same way: list filters name only
    related records that appear on the visible rows and that the user may see; foreign
    keys and many-to-many fields (of the form, its inlines and list_editable rows) offer
    only visible records of scoped models; autocomplete answers for a field of this
    Admin offer what that field accepts; a delete confirmation does not name related
    records the user may not see (and refuses to delete them)."""

    organization_lookup = "organization"

    def get_object_organization(self, obj):
        return obj.organization_id

    def _perm(self, verb: str) -> str:
        return f"{self.opts.app_label}.{verb}_{self.opts.model_name}"

    def sees_every_organization(self, request) -> bool:
        return any(self._global(request, verb) for verb in ("view", "change", "add"))

    def _global(self, request, verb: str) -> bool:
        return request.user.has_perm(self._perm(verb))

    def _organizations(self, request, *verbs: str) -> set[int]:
        found = set()
        for verb in verbs:
            found.update(organizations_with_perm(request.user, self._perm(verb)) or [])
        return found

    def _allowed(self, request, obj, *verbs: str) -> bool:
        if any(self._global(request, verb) for verb in verbs):
            return True
        if obj is None:
            return bool(self._organizations(request, *verbs))
        organization = self.get_object_organization(obj)
        return any(has_perm_in_org(request.user, self._perm(verb), organization) for verb in verbs)

    def has_module_permission(self, request):
        return self._allowed(request, None, "view", "change", "add", "delete")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A record saved from a form with its tags and many-to-many fields: one audit
        # row and one change event (audit.grouping), as through the API.
        with one_row_per_record(using=router.db_for_write(self.model)):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj, "view", "change")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj, "delete")

    def has_add_permission(self, request, *args):
        return self._allowed(request, None, "add")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._global(request, "view") or self._global(request, "change"):
            return queryset
        organizations = self._organizations(request, "view", "change")
        return queryset.filter(**{f"{self.organization_lookup}__in": organizations})

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            self._keep_current_values(form, obj)
        # As in the API: a new record goes where the role may add, a record moves only
        # where it may change.
        verb = "add" if obj is None else "change"
        field = form.base_fields.get("organization")
        if field is not None and hasattr(field, "queryset") and not self._global(request, verb):
            field.queryset = field.queryset.filter(pk__in=self._organizations(request, verb))
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        restricted = not (self._global(request, "add") or self._global(request, "change"))
        if db_field.name == "organization" and field is not None and restricted:
            field.queryset = field.queryset.filter(
                pk__in=self._organizations(request, "add", "change")
            )
            field.scope = None  # the record's organization: only where the role may write
        return field

    def _keep_current_values(self, form, obj):
        """A change form keeps offering the record's current related records, even those
        the user may not see otherwise (an organization's parent, say): they are part of
        the record, shown as in its list row and in the API, and saving the record must
        not fail because of them."""
        for name, field in form.base_fields.items():
            scope = getattr(field, "scope", None)
            if scope is None:
                continue
            queryset, condition = scope
            key = getattr(field, "to_field_name", None) or "pk"
            if isinstance(field, ModelMultipleChoiceField):
                try:
                    current = list(getattr(obj, name).values_list(key, flat=True))
                except (AttributeError, ValueError):
                    continue
                if current:
                    field.queryset = queryset.filter(condition | Q(**{f"{key}__in": current}))
                continue
            try:
                current = obj.serializable_value(name)
            except (AttributeError, FieldDoesNotExist):
                continue
            if current is not None:
                field.queryset = queryset.filter(condition | Q(**{key: current}))

    def get_list_filter(self, request):
        return [self._scoped_list_filter(item) for item in super().get_list_filter(request)]

    def _scoped_list_filter(self, item):
        """Related-field list filters, declared by name or with a RelatedFieldListFilter
        class, become scoped ones; other filters are left as they are."""
        if isinstance(item, str):
            try:
                field = get_fields_from_path(self.model, item)[-1]
            except (FieldDoesNotExist, NotRelationField):
                return item
            if getattr(field, "remote_field", None) is None:
                return item
            return (item, ScopedRelatedFieldListFilter)
        if (
            isinstance(item, list | tuple)
            and len(item) == 2
            and isinstance(item[1], type)
            and issubclass(item[1], RelatedFieldListFilter)
        ):
            return (item[0], scoped_list_filter_class(item[1]))
        return item

    def get_inlines(self, request, obj):
        return [scoped_inline_class(inline) for inline in super().get_inlines(request, obj)]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = self._autocomplete_source(request)
        if source is not None:
            # Answering an autocomplete widget: what the source field accepts (its form
            # field's choices), and never more than the user may see.
            source_admin, db_field = source
            queryset = visible_to(queryset, request.user)
            formfield = source_admin.formfield_for_dbfield(db_field, request)
            choices = getattr(formfield, "queryset", None)
            if choices is not None and choices.model is queryset.model:
                queryset = queryset.filter(pk__in=choices.values("pk"))
        return queryset, may_have_duplicates

    def _autocomplete_source(self, request):
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != "autocomplete":
            return None
        try:
            model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
            db_field = model._meta.get_field(request.GET["field_name"])
        except (KeyError, LookupError, FieldDoesNotExist):
            return None
        source_admin = self.admin_site._registry.get(model)
        if source_admin is None or not (db_field.concrete and db_field.is_relation):
            return None
        return source_admin, db_field

    def get_deleted_objects(self, objs, request):
        """As Django's, except that related records the user may not see are listed
        without their names, and make the deletion refused (as records of a type the
        user may not delete)."""
        try:
            first = objs[0]
        except IndexError:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(first._meta.model), origin=objs)
        collector.collect(objs)
        hidden = self._hidden_records(request, collector)
        perms_needed = set()

        def format_callback(obj, deleted=True):
            opts = obj._meta
            if obj.pk in hidden.get(type(obj), ()):
                if deleted:
                    perms_needed.add(opts.verbose_name)
                return f"{capfirst(opts.verbose_name)}: {_('a record you may not view')}"
            no_edit_link = f"{capfirst(opts.verbose_name)}: {obj}"
            if not self.admin_site.is_registered(type(obj)):
                return no_edit_link
            if not self.admin_site.get_model_admin(type(obj)).has_delete_permission(request, obj):
                perms_needed.add(opts.verbose_name)
            try:
                admin_url = reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    None,
                    (quote(obj.pk),),
                )
            except NoReverseMatch:
                return no_edit_link
            return format_html(
                '{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), admin_url, obj
            )

        to_delete = collector.nested(format_callback)
        protected = [format_callback(obj, deleted=False) for obj in collector.protected]
        model_count = {
            model._meta.verbose_name_plural: len(objs)
            for model, objs in collector.model_objs.items()
        }
        return to_delete, model_count, perms_needed, protected

    def _hidden_records(self, request, collector) -> dict[type, set]:
        """{model: pks} of the collected records the user may not see."""
        by_model: dict[type, set] = {}
        for model, objs in collector.model_objs.items():
            by_model.setdefault(model, set()).update(obj.pk for obj in objs)
        for obj in collector.protected:
            by_model.setdefault(type(obj), set()).add(obj.pk)
        hidden = {}
        for model, pks in by_model.items():
            condition = visibility_condition(request.user, model, self.model)
            if condition is None:
                continue
            visible = model._base_manager.filter(condition, pk__in=pks).values_list("pk", flat=True)
            hidden[model] = pks - set(visible)
        return hidden


class OrganizationScopedModelAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """A ModelAdmin of organization-bound records (see OrganizationScopedAdminMixin)."""
