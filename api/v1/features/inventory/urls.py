from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("warehouses", views.WarehouseViewSet, basename="warehouse")
router.register("stock-locations", views.StockLocationViewSet, basename="stock-location")

urlpatterns = [
    path(
        "warehouses/<int:warehouse_pk>/stock-locations/",
        views.WarehouseStockLocationViewSet.as_view(
            {"get": "list", "post": "create"}, basename="warehouse-stock-location", detail=False
        ),
        name="warehouse-stock-location-list",
    ),
    *router.urls,
]
