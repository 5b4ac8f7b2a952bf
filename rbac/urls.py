from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("roles", views.RoleViewSet, basename="role")
router.register("field-permissions", views.FieldPermissionViewSet, basename="field-permission")

urlpatterns = router.urls
