from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("files", views.FileViewSet, basename="file")

urlpatterns = router.urls
