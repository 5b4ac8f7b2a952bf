"""The worked example of a new model (tests.testapp.Gadget, docs/architecture.md): with
its model, a serializer naming its fields and a three-line viewset, it passes the whole
API contract: tenancy, permissions, field rules, round trips, ordering, query counts,
custom fields, tags and history."""

from tests.contract import ScopedEndpointContract
from tests.testapp.factories import GadgetFactory


class TestGadgetAPI(ScopedEndpointContract):
    basename = "gadget"
    factory = GadgetFactory
    update_payload = {"name": "Changed"}
    restricted_field = "name"

    def create_payload(self, world, organization):
        return {"organization": organization.pk, "name": "New gadget"}
