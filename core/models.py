"""Abstract models shared by every app."""

from contextlib import contextmanager

from crum import get_current_user
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel

from .custom_fields import (
    CustomFieldType,
    clean_typed_value,
    error_messages,
    validate_custom_fields,
)
from .fields import JSONField


class Timestamped(models.Model):
    """Self-updating, timezone-aware `created_at` and `updated_at`."""

    created_at = models.DateTimeField(
        _("Created At"),
        auto_now_add=True,
        editable=False,
        help_text=_("Timestamp when the record was created."),
    )
    updated_at = models.DateTimeField(
        _("Updated At"),
        auto_now=True,
        editable=False,
        help_text=_("Timestamp when the record was last updated."),
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def save(self, *args, **kwargs):
        # A partial save (update_fields) still records when the row last changed.
        update_fields = kwargs.get("update_fields")
        if update_fields:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class Auditable(models.Model):
    """`created_by` and `updated_by`, filled on save from the current user (django-crum).

    The current user is the authenticated user of the request being served (set by
    crum.CurrentRequestUserMiddleware, and by DRF once it authenticates the request);
    code that runs outside a request (tasks, commands) sets it with `crum.impersonate`.
    Saves with no current user leave both fields untouched.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Created By"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        help_text=_("User who created the record."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Updated By"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        help_text=_("User who last updated the record."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        user = get_current_user()
        # AnonymousUser and unsaved users have no primary key: record nobody.
        if user is not None and getattr(user, "pk", None) is not None:
            # _state.adding, not `pk is None`: models with natural primary keys
            # (a currency code, say) have their pk before the first save.
            if self._state.adding:
                self.created_by = user
            self.updated_by = user
            update_fields = kwargs.get("update_fields")
            if update_fields:
                kwargs["update_fields"] = {*update_fields, "updated_by"}
        super().save(*args, **kwargs)


class CustomFieldsModel(models.Model):
    """Adds `custom_fields` (a JSON object, validated by validate_custom_fields)."""

    custom_fields = JSONField(
        _("Custom Fields"),
        default=dict,
        blank=True,
        help_text=_("Additional fields defined per model and organization."),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        try:
            self.custom_fields = validate_custom_fields(
                self.custom_fields, model=type(self), organization=self.custom_fields_organization()
            )
        except ValidationError as exc:
            raise ValidationError({"custom_fields": error_messages(exc)}) from exc

    def custom_fields_organization(self):
        """The organization whose definitions apply to this record."""
        return getattr(self, "organization", None)


class BaseModel(Timestamped, Auditable, CustomFieldsModel):
    """The usual base of a project model: timestamps, audit users, custom fields."""

    class Meta:
        abstract = True


@contextmanager
def tree_write_lock(model, using):
    """A transaction in which `model`'s table is written by nobody else."""
    with transaction.atomic(using=using):
        connection = transaction.get_connection(using)
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        yield


class BaseTreeModel(BaseModel, MPTTModel):
    """BaseModel for hierarchies (django-mptt trees).

    django-mptt reads the tree (the next tree id, a node's bounds) and then writes it:
    two requests inserting roots or moving nodes at once would both take the same tree
    id and tangle the trees. Every save and delete therefore runs in a transaction
    holding the table's write lock: PostgreSQL's SHARE ROW EXCLUSIVE (writers of the
    table wait, readers do not); SQLite's transactions take the database's write lock
    when they begin (IMMEDIATE, see the settings). In it the new parent's place is read
    again, since another request's write may have moved it since it was loaded
    (django-mptt reads the node's own place again itself)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with tree_write_lock(type(self), using):
            # The parent, read before the lock, may have moved since (a root inserted
            # before it shifts the tree ids after it); django-mptt reads the node's own
            # place again itself.
            parent = getattr(self, self._mptt_meta.parent_attr)
            if parent is not None and parent.pk is not None:
                parent._mptt_refresh()
            super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        # django-mptt closes the node's gap in the tree before the rows are deleted: in
        # one transaction, so that a refused deletion (a PROTECT reference) leaves the
        # tree intact.
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with tree_write_lock(type(self), using):
            return super().delete(*args, **kwargs)

    delete.alters_data = True


class AboutRecord(models.Model):
    """An optional link to another record of the same organization, the record a row is
    about (a document about a product, a meeting about a contact): checked by
    api.base.records.RecordLinkSerializerMixin. Subclasses index
    (content_type, object_id) to list a record's rows."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("Record Type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    object_id = models.CharField(_("Record Id"), max_length=64, blank=True, default="")
    record = GenericForeignKey("content_type", "object_id")

    class Meta:
        abstract = True


class OrganizationScoped(models.Model):
    """Tenant data: every row belongs to exactly one organization.

    Read and written through OrganizationScopedViewSetMixin, which limits every query to
    the organizations where the caller holds the model's permissions.
    """

    organization = models.ForeignKey(
        "organization.Organization",
        verbose_name=_("Organization"),
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_set",
        db_index=True,
        help_text=_("The organization this record belongs to."),
    )

    class Meta:
        abstract = True


class CustomFieldDefinition(Timestamped, Auditable):
    """One allowed key of the `custom_fields` of a model, globally or for one organization
    (an organization's definition of a key replaces the global one for its records)."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)

    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        verbose_name=_("Model"),
        help_text=_("The model whose custom_fields this key belongs to."),
    )
    organization = models.ForeignKey(
        "organization.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="custom_field_definitions",
        verbose_name=_("Organization"),
        help_text=_("Empty: applies to every organization."),
    )
    key = models.CharField(
        _("Key"),
        max_length=64,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$",
                _("Lower-case letters, digits and underscores, starting with a letter."),
            )
        ],
    )
    label = models.CharField(_("Label"), max_length=255, blank=True)
    help_text = models.CharField(_("Help Text"), max_length=255, blank=True)
    field_type = models.CharField(
        _("Type"), max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT
    )
    required = models.BooleanField(_("Required"), default=False)
    choices = JSONField(
        _("Choices"), default=list, blank=True, help_text=_("Allowed values of a choice field.")
    )
    min_value = models.DecimalField(
        _("Minimum"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("Maximum"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    max_length = models.PositiveIntegerField(
        _("Maximum Length"), null=True, blank=True, help_text=_("Of a text field.")
    )
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)

    class Meta:
        verbose_name = _("Custom Field Definition")
        verbose_name_plural = _("Custom Field Definitions")
        ordering = ["content_type", "organization", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "organization", "key"],
                name="core_customfield_unique_key_per_organization",
            ),
            models.UniqueConstraint(
                fields=["content_type", "key"],
                condition=models.Q(organization__isnull=True),
                name="core_customfield_unique_global_key",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organization or _("all organizations")
        return f"{self.content_type.model}.{self.key} ({scope})"

    def clean(self):
        super().clean()
        errors = {}
        model = self.content_type.model_class() if self.content_type_id else None
        if model is not None and not any(
            field.name == "custom_fields" for field in model._meta.get_fields()
        ):
            errors["content_type"] = _("This model has no custom fields.")
        numeric = self.field_type in (CustomFieldType.INTEGER, CustomFieldType.DECIMAL)
        if not numeric and (self.min_value is not None or self.max_value is not None):
            errors["min_value"] = _("Bounds apply to integer and decimal fields only.")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = _("The maximum must not be below the minimum.")
        if self.field_type == CustomFieldType.CHOICE:
            if (
                not isinstance(self.choices, list)
                or not self.choices
                or not all(
                    isinstance(c, str | int) and not isinstance(c, bool) for c in self.choices
                )
            ):
                errors["choices"] = _("A choice field needs a list of texts or numbers.")
        elif self.choices:
            errors["choices"] = _("Only choice fields have choices.")
        if self.max_length is not None and self.field_type != CustomFieldType.TEXT:
            errors["max_length"] = _("A maximum length applies to text fields only.")
        if errors:
            raise ValidationError(errors)

    def clean_value(self, value):
        return clean_typed_value(self, value)
