from rest_framework.routers import SimpleRouter

from .views import ProductModelViewSet, WorkOrderViewSet

router = SimpleRouter()
router.register("product-models", ProductModelViewSet, basename="product-model")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
urlpatterns = router.urls
