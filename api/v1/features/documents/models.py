"""Documents: a titled, typed record of an organization whose content is a chain of
versions, each a stored file (the file layer, api/v1/base_models/files), optionally
about another record of the same organization (a product, a contact, ...).

A new version (an upload) becomes the current one; older versions stay, each
downloadable; restoring one adds a new version with its file, so that the history
only ever grows and says who restored what and when.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from api.v1.base_models.common.choices import CategoryType
from core.models import AboutRecord, Auditable, BaseModel, OrganizationScoped, Timestamped
from core.registry import ALL

from .choices import DocumentStatus


class Document(AboutRecord, OrganizationScoped, BaseModel):
    """A document of an organization (see the module's docstring)."""

    importable = False  # created with an uploaded file (data_jobs)

    default_grants = {
        "administrator": ALL,
        "member": ("view", "add", "change"),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    title = models.CharField(_("Title"), max_length=255, db_index=True)
    description = models.TextField(_("Description"), blank=True)
    document_type = models.ForeignKey(
        "common.Category",
        verbose_name=_("Document Type"),
        on_delete=models.PROTECT,
        limit_choices_to={"category_type": CategoryType.DOCUMENT_TYPE},
        related_name="typed_documents",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=DocumentStatus.choices,
        default=DocumentStatus.DRAFT,
        db_index=True,
    )
    current_version = models.OneToOneField(
        "DocumentVersion",
        verbose_name=_("Current Version"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    tags = TaggableManager(blank=True, verbose_name=_("Tags"))

    class Meta:
        verbose_name = _("Document")
        verbose_name_plural = _("Documents")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["organization", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def content(self) -> str:
        """The text of the current version's file, once extracted (documents.tasks); ""
        before, and for a file without text."""
        version = self.current_version
        if version is None:
            return ""
        try:
            return version.file.extracted.text
        except ObjectDoesNotExist:
            return ""


class DocumentVersion(Timestamped, Auditable):
    """One version of a document: its file, number (1, 2, ...), who added it and why.
    Versions are read and added through their document, with its permissions."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)

    # A version belongs to its document's organization (core.registry).
    organization_path = "document__organization"

    document = models.ForeignKey(
        Document, verbose_name=_("Document"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("Number"))
    file = models.ForeignKey(
        "files.FileStorage",
        verbose_name=_("File"),
        on_delete=models.PROTECT,
        related_name="document_versions",
    )
    change_note = models.CharField(_("Change Note"), max_length=500, blank=True)
    restored_from = models.ForeignKey(
        "self",
        verbose_name=_("Restored From"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Document Version")
        verbose_name_plural = _("Document Versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document} (v{self.number})"
