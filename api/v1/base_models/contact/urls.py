from api.v1.routers import Router

from . import views

router = Router()
router.register("contacts", views.ContactViewSet, basename="contact")

urlpatterns = router.urls
