from api.v1.routers import Router

from . import views

router = Router()
router.register("files", views.FileViewSet, basename="file")

urlpatterns = router.urls
