from django.urls import path

from api.v1.routers import Router

from . import views

router = Router()
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
