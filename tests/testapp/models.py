from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from taggit.managers import TaggableManager

from core.models import Auditable, BaseModel, CustomFieldsModel, OrganizationScoped, Timestamped
from core.registry import ALL
from rbac.access import org_permission


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


class Gadget(OrganizationScoped, BaseModel):
    """The worked example of a new model (docs/architecture.md): declared like this, with
    a serializer naming its fields and a three-line viewset, it is scoped, audited,
    taggable, filterable and under the test suite's contract and sweeps."""

    name = models.CharField(max_length=100)
    tags = TaggableManager(blank=True)

    default_grants = {
        "administrator": ALL,
        "member": ("view", "add", "change"),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    def __str__(self):
        return self.name
