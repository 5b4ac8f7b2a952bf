from rest_framework import serializers, viewsets

from core.views import OrganizationScopedViewSetMixin
from core.workflows import WorkflowSerializerMixin, WorkflowViewSetMixin

from .models import Ticket


class TicketSerializer(WorkflowSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "organization", "title", "state", "closed_by"]
        read_only_fields = ["state", "closed_by"]


class TicketViewSet(WorkflowViewSetMixin, OrganizationScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
