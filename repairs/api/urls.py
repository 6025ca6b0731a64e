from rest_framework.routers import SimpleRouter

from .views import ProductModelViewSet, RepairCallViewSet, UnitViewSet, WorkOrderViewSet

router = SimpleRouter()
router.register("product-models", ProductModelViewSet, basename="product-model")
router.register("units", UnitViewSet, basename="unit")
router.register("repair-calls", RepairCallViewSet, basename="repair-call")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
urlpatterns = router.urls
