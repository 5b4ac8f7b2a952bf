from api.v1.routers import Router

from . import views

router = Router()
router.register("products", views.ProductViewSet, basename="product")

urlpatterns = router.urls
