from api.v1.routers import Router

from . import views

router = Router()
router.register("documents", views.DocumentViewSet, basename="document")

urlpatterns = router.urls
