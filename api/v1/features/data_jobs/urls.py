from rest_framework.routers import SimpleRouter

from .views import DataJobViewSet

router = SimpleRouter()
router.register("data-jobs", DataJobViewSet, basename="data-job")

urlpatterns = router.urls
