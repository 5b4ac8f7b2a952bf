from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.custom_fields import CustomFieldsModel
from core.models import Auditable, OrganizationScoped, Timestamped
from core.workflows import org_permission


class TimestampedThing(Timestamped):
    name = models.CharField(max_length=100)


class AuditableThing(Auditable):
    name = models.CharField(max_length=100)


class NaturalKeyThing(Timestamped, Auditable):
    """A model whose primary key is set before the first save (like a currency code)."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)


class CustomFieldsThing(CustomFieldsModel):
    name = models.CharField(max_length=100)


def is_titled(ticket) -> bool:
    # No @condition message: refusals fall back to naming the function.
    return bool(ticket.title)


class Ticket(ConcurrentTransitionMixin, OrganizationScoped, Timestamped, Auditable):
    """A model given a workflow the way any app would: a protected state field and
    decorated methods (its viewset adds one base class)."""

    title = models.CharField(max_length=100, blank=True)
    state = FSMField(
        default="open", choices=[("open", "Open"), ("closed", "Closed")], protected=True
    )
    closed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        permissions = [("reopen_ticket", "Can reopen ticket")]

    @transition(field=state, source="open", target="closed", conditions=[is_titled])
    def close(self, user=None):
        """Close the ticket (anyone who sees it may)."""
        self.closed_by = getattr(user, "username", "")

    @transition(
        field=state,
        source="closed",
        target="open",
        permission=org_permission("testapp.reopen_ticket"),
    )
    def reopen(self, reason=""):
        """Open it again."""
