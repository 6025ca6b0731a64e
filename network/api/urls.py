from rest_framework.routers import SimpleRouter

from .views import ServiceCenterViewSet, SettlementViewSet

router = SimpleRouter()
router.register("service-centers", ServiceCenterViewSet, basename="service-center")
router.register("settlements", SettlementViewSet, basename="settlement")
urlpatterns = router.urls
