"""Rules of warehouses and stock locations shared by the API, the Admin and signals."""

from django.db import transaction
from django.db.models import Q

from api.v1.base_models.common.models import Address
from rbac.access import visible_to

from .models import StockLocation, Warehouse


def visible_warehouses(user):
    """The warehouses `user` may see: those of the organizations where their role may
    view warehouses (all of them for superusers)."""
    return visible_to(Warehouse, user)


def visible_locations(user):
    """The stock locations `user` may see (as the stock-location list would show them)."""
    return visible_to(StockLocation, user)


# --------------------------------------------------------------------------- moving
def move_location(location, parent):
    """Put `location` (with its subtree) under `parent`, or make it a root with None.
    The caller has checked the move (same warehouse, no cycle, no name clash)."""
    if parent == location.parent:
        return location
    with transaction.atomic():
        location.parent = parent
        location.save()
    return location


# ------------------------------------------------------------------------- addresses
def unattached_addresses():
    """Addresses that no record refers to (no organization, contact, warehouse, ...)."""
    addresses = Address.objects.all()
    conditions = Q()
    for relation in Address._meta.related_objects:
        conditions &= Q(**{f"{relation.field.related_query_name()}__isnull": True})
    return addresses.filter(conditions)


def discard_address(address_id) -> None:
    """Delete a warehouse's former address, unless something else still refers to it
    (an address picked in the Admin may be shared)."""
    if address_id is not None:
        unattached_addresses().filter(pk=address_id).delete()
