from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("currencies", views.CurrencyViewSet, basename="currency")
router.register("statuses", views.StatusViewSet, basename="status")
router.register("uoms", views.UnitOfMeasureViewSet, basename="uom")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("tax-jurisdictions", views.TaxJurisdictionViewSet, basename="tax-jurisdiction")
router.register("tax-categories", views.TaxCategoryViewSet, basename="tax-category")
router.register("tax-rates", views.TaxRateViewSet, basename="tax-rate")

urlpatterns = router.urls
