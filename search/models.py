"""The database search index: one entry per searchable record (core.searching).

An entry holds what the search matches and filters on, normalized (lower case, without
accents: search.text.normalize): the text of each declared field, the title, the tags,
the status, the organization and the creation time. On PostgreSQL `vector` holds the
weighted full-text document built from the fields (one GIN index) and `title` has a
trigram index for typo-tolerant matching; on SQLite an FTS5 table beside it
(search_searchentry_fts, rowid = the entry's id) holds one column per weight.
Results are shown from the records themselves, read when the page is answered.
"""

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField(_("Record Id"))
    organization_id = models.BigIntegerField(_("Organization Id"), null=True, db_index=True)
    title = models.TextField(_("Title"), blank=True)
    fields = models.JSONField(_("Fields"), default=dict)
    tags = models.TextField(_("Tags"), blank=True, help_text=_('"|tag|other|", normalized.'))
    status = models.CharField(_("Status"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("Created At"), null=True)
    indexed_at = models.DateTimeField(_("Indexed At"), auto_now=True)
    # PostgreSQL only (filled by search.backends.database); unused elsewhere.
    vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="search_entry_unique_record"
            )
        ]
        indexes = [
            models.Index(fields=["organization_id", "content_type"], name="search_entry_org_type"),
        ]

    def __str__(self):
        return f"{self.content_type_id}:{self.object_id}"
