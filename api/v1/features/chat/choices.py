from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomType(models.TextChoices):
    DIRECT = "DIRECT", _("Direct (two people)")
    GROUP = "GROUP", _("Group")
    CHANNEL = "CHANNEL", _("Organization channel")


class ParticipantRole(models.TextChoices):
    ADMIN = "ADMIN", _("Room administrator")
    MEMBER = "MEMBER", _("Member")
