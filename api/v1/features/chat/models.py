"""Chat rooms of an organization, who is in them, and their messages.

A room is direct (two people, one room per pair and organization), a group (named,
with members and room administrators) or an organization channel (any member of the
organization may read it and join). Messages are numbered per room (`sequence`, 1, 2,
3...): a client that lost its socket asks for what came after the last number it saw,
and a gap in the numbers it receives tells it that it missed something. A message sent
twice with the same `client_id` (a resend after a network drop) is stored once.

Rooms and participants are audited; messages and reactions are not (a chat is not a
ledger: their edits and deletions are shown in the room itself, `edited_at`,
`deleted_at`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from api.v1.base_models.files.models import FileAttachment
from core.models import Auditable, OrganizationScoped, Timestamped

from .choices import ParticipantRole, RoomType

MAX_LENGTH = 10_000
NAME_LENGTH = 100


class ChatRoom(Timestamped, Auditable, OrganizationScoped):
    """A room of an organization (see the module)."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)

    default_grants = {
        "administrator": ("view", "add", "change", "delete"),
        "member": ("view", "add"),
    }

    room_type = models.CharField(
        _("Type"), max_length=10, choices=RoomType.choices, default=RoomType.GROUP
    )
    name = models.CharField(_("Name"), max_length=NAME_LENGTH, blank=True)
    # "<lower user id>:<higher user id>" of a direct room: one room per pair.
    direct_key = models.CharField(_("Direct Key"), max_length=50, blank=True, editable=False)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ChatParticipant",
        through_fields=("room", "user"),
        verbose_name=_("Participants"),
        related_name="chat_rooms",
    )
    is_archived = models.BooleanField(_("Archived"), default=False)
    archived_at = models.DateTimeField(_("Archived At"), null=True, blank=True)
    last_sequence = models.PositiveBigIntegerField(
        _("Last Sequence"), default=0, editable=False, help_text=_("Number of the last message.")
    )
    last_message = models.ForeignKey(
        "ChatMessage",
        verbose_name=_("Last Message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Chat Room")
        verbose_name_plural = _("Chat Rooms")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "direct_key"],
                condition=~Q(direct_key=""),
                name="chat_one_direct_room_per_pair",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_room_type_display()} {self.pk}"


class ChatParticipant(Timestamped, Auditable):
    """A user in a room, with their role there and how far they have read."""

    organization_path = "room__organization"
    business_record = False

    room = models.ForeignKey(
        ChatRoom, verbose_name=_("Room"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User"),
        on_delete=models.CASCADE,
        related_name="chat_memberships",
    )
    role = models.CharField(
        _("Role"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.MEMBER
    )
    last_read_sequence = models.PositiveBigIntegerField(
        _("Read Up To"), default=0, help_text=_("Sequence of the last message read.")
    )

    class Meta:
        verbose_name = _("Chat Participant")
        verbose_name_plural = _("Chat Participants")
        ordering = ["room", "id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_participant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}"


class ChatMessage(Timestamped):
    """A message of a room: numbered in its room, maybe a reply in a thread (`parent`,
    a top-level message of the same room), with attached files."""

    organization_path = "room__organization"
    business_record = False

    room = models.ForeignKey(
        ChatRoom, verbose_name=_("Room"), on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Sender"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    sequence = models.PositiveBigIntegerField(_("Sequence"), editable=False)
    client_id = models.CharField(
        _("Client Id"),
        max_length=64,
        blank=True,
        help_text=_("The sender's own id of the message: a resend with it is stored once."),
    )
    content = models.TextField(_("Content"), max_length=MAX_LENGTH, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Replies To"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
    )
    attachments = models.ManyToManyField(
        "files.FileStorage",
        through="ChatAttachment",
        verbose_name=_("Attachments"),
        blank=True,
        related_name="chat_messages",
    )
    edited_at = models.DateTimeField(_("Edited At"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("Deleted At"), null=True, blank=True)

    class Meta:
        verbose_name = _("Chat Message")
        verbose_name_plural = _("Chat Messages")
        ordering = ["room", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["room", "sequence"], name="chat_message_sequence"),
            models.UniqueConstraint(
                fields=["room", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="chat_message_client_id",
            ),
        ]

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return str(_("(deleted)"))
        text = " ".join(self.content.split())
        return text[:60] + ("…" if len(text) > 60 else "")


class ChatAttachment(FileAttachment):
    """A file attached to a message: the file cannot be deleted while attached (409)."""

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("Chat Attachment")
        verbose_name_plural = _("Chat Attachments")
        constraints = [
            models.UniqueConstraint(fields=["message", "file"], name="chat_attachment_unique")
        ]


REACTION_LENGTH = 32


class ChatReaction(models.Model):
    """Someone's reaction to a message: an emoji (or a `:short_code:`), once per person
    and emoji."""

    organization_path = "message__room__organization"
    business_record = False

    message = models.ForeignKey(
        ChatMessage, verbose_name=_("Message"), on_delete=models.CASCADE, related_name="reactions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("User"), on_delete=models.CASCADE, related_name="+"
    )
    emoji = models.CharField(_("Emoji"), max_length=REACTION_LENGTH)
    created_at = models.DateTimeField(_("Created At"), auto_now_add=True)

    class Meta:
        verbose_name = _("Chat Reaction")
        verbose_name_plural = _("Chat Reactions")
        ordering = ["message", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="chat_reaction_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} ({self.user_id})"
