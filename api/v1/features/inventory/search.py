"""Warehouses in the search (core.searching)."""

from core.searching import declare

from .models import Warehouse

declare(Warehouse, fields={"name": "A", "code": "A"}, route="api-v1:warehouse-detail")
