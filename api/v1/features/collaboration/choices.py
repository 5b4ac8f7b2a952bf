from django.db import models
from django.utils.translation import gettext_lazy as _


class CommentStatus(models.TextChoices):
    VISIBLE = "VISIBLE", _("Visible")
    HIDDEN = "HIDDEN", _("Hidden by a moderator")
    DELETED = "DELETED", _("Deleted by its author")
