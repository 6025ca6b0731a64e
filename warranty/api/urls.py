from django.urls import path

from .views import UnitWarrantyView, WarrantyEvaluateView

urlpatterns = [
    path("warranty/evaluate/", WarrantyEvaluateView.as_view(), name="warranty-evaluate"),
    path("units/<int:pk>/warranty/", UnitWarrantyView.as_view(), name="unit-warranty"),
]
