from rest_framework.routers import SimpleRouter

from .contracts import MaintenanceContractViewSet
from .rates import RatesViewSet
from .remedies import DealerCreditViewSet, DoaCheckViewSet, RemedyRequestViewSet
from .sales import RepairCallViewSet, UnitViewSet
from .views import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("repair-calls", RepairCallViewSet, basename="repair-call")
router.register("remedy-requests", RemedyRequestViewSet, basename="remedy-request")
router.register("doa-checks", DoaCheckViewSet, basename="doa-check")
router.register("dealer-credits", DealerCreditViewSet, basename="dealer-credit")
router.register("maintenance-contracts", MaintenanceContractViewSet, basename="maintenance-contract")
router.register("rates", RatesViewSet, basename="rates")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
urlpatterns = router.urls
