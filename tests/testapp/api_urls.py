"""The test models' routes that join API v1 in the test settings (tests/urls.py)."""

from rest_framework.routers import SimpleRouter

from .views import GadgetViewSet

router = SimpleRouter()
router.register("gadgets", GadgetViewSet, basename="gadget")

urlpatterns = router.urls
