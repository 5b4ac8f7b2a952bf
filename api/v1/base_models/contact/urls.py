from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("contacts", views.ContactViewSet, basename="contact")

urlpatterns = router.urls
