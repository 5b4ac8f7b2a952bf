"""Comments on any business record of an organization (core.registry.is_business_record),
in threads one level deep: a reply answers a top-level comment (a reply to a reply
joins the same thread)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from api.v1.base_models.files.models import FileAttachment
from core.models import Auditable, OrganizationScoped, Timestamped
from core.registry import ALL

from .choices import CommentStatus

MAX_LENGTH = 10_000


class Comment(Timestamped, Auditable, OrganizationScoped):
    """A comment on a record, in the record's organization. Its author (`created_by`)
    edits and deletes it (a deletion empties it and keeps its place in the thread);
    moderators (collaboration.moderate_comment in the organization) hide and restore
    it."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)
    importable = False  # written about a record by its author (data_jobs)

    default_grants = {
        "administrator": (*ALL, "moderate"),
        "member": ("view", "add"),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("Record Type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(_("Record Id"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Replies To"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    content = models.TextField(_("Content"), max_length=MAX_LENGTH, blank=True)
    status = models.CharField(
        _("Status"), max_length=10, choices=CommentStatus.choices, default=CommentStatus.VISIBLE
    )
    is_edited = models.BooleanField(_("Edited"), default=False)
    edited_at = models.DateTimeField(_("Edited At"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Hidden By"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("Hidden At"), null=True, blank=True)
    attachments = models.ManyToManyField(
        "files.FileStorage",
        through="CommentAttachment",
        verbose_name=_("Attachments"),
        blank=True,
        related_name="comments",
    )
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Mentioned Users"),
        blank=True,
        related_name="+",
        help_text=_("The colleagues its text names (@username) who may view the record."),
    )

    class Meta:
        verbose_name = _("Comment")
        verbose_name_plural = _("Comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]
        permissions = [("moderate_comment", "Can hide and restore comments")]

    def __str__(self) -> str:
        text = " ".join(self.content.split())
        return text[:60] + ("…" if len(text) > 60 else "") or str(self.get_status_display())

    @classmethod
    def restrict_visible(cls, queryset, user):
        """Of the comments of the organizations where `user` may view comments, those on
        records they may view (rbac.access.visible_to): a record's comments share its
        organization, so this is, per kind of record, the organizations where they may
        view that kind."""
        from core import registry
        from rbac.access import visible_organization_ids

        # The kinds of record by the organizations they are seen in (None: all), so
        # that a role seeing every kind in the same organizations is one condition.
        kinds: dict[frozenset | None, list[int]] = {}
        for model in registry.registered_models():
            if not registry.is_business_record(model):
                continue
            organizations = visible_organization_ids(user, model)
            if organizations is None or organizations:
                seen_in = None if organizations is None else frozenset(organizations)
                kinds.setdefault(seen_in, []).append(ContentType.objects.get_for_model(model).pk)
        allowed = models.Q(pk__in=[])
        for organizations, content_types in kinds.items():
            kind = models.Q(content_type__in=sorted(content_types))
            if organizations is not None:
                kind &= models.Q(organization_id__in=sorted(organizations))
            allowed |= kind
        return queryset.filter(allowed)


class CommentAttachment(FileAttachment):
    """A file attached to a comment: the file cannot be deleted while attached (409)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("Comment Attachment")
        verbose_name_plural = _("Comment Attachments")
        constraints = [
            models.UniqueConstraint(fields=["comment", "file"], name="comment_attachment_unique")
        ]
