from api.base.serializers import ScopedModelSerializer
from api.base.views import ScopedModelViewSet

from .models import Gadget, Ticket


class TicketSerializer(ScopedModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "organization", "title", "state", "closed_by"]
        read_only_fields = ["closed_by"]


class TicketViewSet(ScopedModelViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer


# The worked example (docs/architecture.md): all a new model's API needs.
class GadgetSerializer(ScopedModelSerializer):
    class Meta:
        model = Gadget
        fields = ["id", "organization", "organization_name", "name", "tags", "custom_fields"]


class GadgetViewSet(ScopedModelViewSet):
    queryset = Gadget.objects.select_related("organization")
    serializer_class = GadgetSerializer
    filterset_fields = ["name"]
