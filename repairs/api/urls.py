from django.urls import path
from rest_framework.routers import SimpleRouter

from .unit_warranty import UnitWarrantyView
from .views import ProductModelViewSet, WorkOrderViewSet

router = SimpleRouter()
router.register("product-models", ProductModelViewSet, basename="product-model")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
urlpatterns = [
    path("units/<int:pk>/warranty/", UnitWarrantyView.as_view(), name="unit-warranty"),
    *router.urls,
]
