from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.utils.translation import gettext_lazy as _

from api.base.admin import OrganizationScopedAdminMixin
from core import registry
from core.admin import AUDIT_FIELDS

from .models import Comment


@admin.register(Comment)
class CommentAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Comments as written, for support and moderation: the status is the one thing
    changed here (hide or show); the text is its author's."""

    list_display = ("__str__", "content_type", "object_id", "created_by", "status", "created_at")
    list_filter = ("status", "content_type", "created_at")
    search_fields = ("content", "object_id", "created_by__username")
    list_select_related = ("content_type", "created_by", "organization")
    date_hierarchy = "created_at"
    fields = (
        "organization",
        "content_type",
        "object_id",
        "parent",
        "content",
        "status",
        "is_edited",
        "edited_at",
        "hidden_by",
        "hidden_at",
        *AUDIT_FIELDS,
    )
    readonly_fields = tuple(name for name in fields if name != "status")

    def has_add_permission(self, request):
        return False


class ReadOnlyFormSet(BaseGenericInlineFormSet):
    """Shown, never submitted: the record's form saves whether or not its page carried
    this inline's management form (forms posted by scripts and older pages do not)."""

    def is_valid(self):
        return True

    def save(self, commit=True):
        # What the Admin's change message reads after a save: nothing changed here.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class CommentInline(GenericTabularInline):
    """A record's comments on its Admin page, read-only."""

    model = Comment
    formset = ReadOnlyFormSet
    ct_field, ct_fk_field = "content_type", "object_id"
    extra = 0
    can_delete = False
    fields = ("content", "created_by", "status", "created_at")
    readonly_fields = fields
    ordering = ("created_at",)
    verbose_name_plural = _("Comments")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def add_comment_inlines() -> None:
    """A comments inline on the Admin of every business record (core.registry)."""
    for model, model_admin in admin.site._registry.items():
        if registry.is_business_record(model) and CommentInline not in model_admin.inlines:
            model_admin.inlines = [*model_admin.inlines, CommentInline]
