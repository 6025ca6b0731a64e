from rest_framework.routers import SimpleRouter

from .sales import RepairCallViewSet, UnitViewSet
from .views import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("repair-calls", RepairCallViewSet, basename="repair-call")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
urlpatterns = router.urls
