"""Stored files: the one file layer of the platform.

A `FileStorage` row describes bytes kept in the configured storage (the local filesystem
under var/media/, or S3-compatible object storage): the name the uploader gave, the
type sniffed from the content, size and SHA-256 checksum. Documents, comments, chat
messages, meeting recordings and import/export jobs reference these rows (with
on_delete=PROTECT: a referenced file cannot be deleted). The bytes live under a
random key that says nothing about the file (`files/<organization>/<random>`); they
are only ever served through a permission-checked download.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from core.models import BaseModel, OrganizationScoped
from core.registry import ALL

STORAGE_PREFIX = "files"


def storage_key(organization_id: int) -> str:
    """Where new bytes go: nothing of the uploader's name reaches the storage."""
    return f"{STORAGE_PREFIX}/{organization_id}/{uuid.uuid4().hex}"


def upload_to(instance: "FileStorage", filename: str) -> str:
    return storage_key(instance.organization_id)


class FileStorage(OrganizationScoped, BaseModel):
    """A file uploaded to an organization."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)
    importable = False  # uploaded (data_jobs)

    default_grants = {
        "administrator": ALL,
        "member": ("view", "add"),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    file = models.FileField(_("File"), upload_to=upload_to, max_length=255)
    original_name = models.CharField(
        _("Original Name"),
        max_length=255,
        db_index=True,
        help_text=_("The file's name, as uploaded."),
    )
    size = models.PositiveBigIntegerField(_("Size"), help_text=_("In bytes."))
    mime_type = models.CharField(
        _("MIME Type"),
        max_length=127,
        db_index=True,
        help_text=_("Detected from the content, not from the name or the client."),
    )
    checksum = models.CharField(
        _("SHA-256 Checksum"), max_length=64, db_index=True, help_text=_("Hexadecimal.")
    )
    tags = TaggableManager(blank=True, verbose_name=_("Tags"))

    class Meta:
        verbose_name = _("File")
        verbose_name_plural = _("Files")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def restrict_visible(cls, queryset, user):
        """Of the files of the organizations where `user` may view files, those they
        see (rbac.access.visible_to): not the files of a record they may not see that
        its link table keeps private (`FileAttachment.private`: a meeting's
        recordings)."""
        from rbac.access import visible_to

        for link in private_links():
            field = link._meta.get_field(link.record_field)
            records = visible_to(field.related_model, user).values("pk")
            hidden = link._default_manager.exclude(**{f"{field.name}__in": records})
            queryset = queryset.exclude(pk__in=hidden.values("file_id"))
        return queryset


class FileAttachment(models.Model):
    """Base of the link tables that attach files to records of other apps (a comment's,
    a chat message's): the file cannot be deleted while attached (PROTECT: a 409). A
    subclass adds the foreign key to its record and the unique constraint of the pair.

    A link table with `private = True` keeps its files to those who see its record
    (`record_field`, the name of that foreign key): the files API does not show them
    to anyone else of the organization (FileStorage.restrict_visible)."""

    private = False
    record_field = ""

    file = models.ForeignKey(FileStorage, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.file_id)


def private_links() -> list[type[FileAttachment]]:
    """The concrete link tables that keep their files private (FileAttachment.private)."""
    from django.apps import apps

    return [
        model for model in apps.get_models() if issubclass(model, FileAttachment) and model.private
    ]


class FileText(models.Model):
    """The text of a file, extracted once (files.text) for the search: kept apart from
    the file's row so that reading files never loads it."""

    business_record = False
    importable = False
    organization_path = "file__organization"

    file = models.OneToOneField(
        FileStorage,
        verbose_name=_("File"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="extracted",
    )
    text = models.TextField(_("Text"), blank=True)
    extracted_at = models.DateTimeField(_("Extracted At"), auto_now=True)

    class Meta:
        verbose_name = _("File Text")
        verbose_name_plural = _("File Texts")

    def __str__(self) -> str:
        return str(self.file_id)
