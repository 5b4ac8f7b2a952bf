from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ActionTypesView, AutomationLogViewSet, AutomationRuleViewSet

router = SimpleRouter()
router.register("automations/rules", AutomationRuleViewSet, basename="automation-rule")
router.register("automations/logs", AutomationLogViewSet, basename="automation-log")

urlpatterns = [
    path("automations/actions/", ActionTypesView.as_view(), name="automation-action-types"),
    *router.urls,
]
