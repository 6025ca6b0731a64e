from django.urls import path

from .views import WarrantyEvaluateView

urlpatterns = [
    path("warranty/evaluate/", WarrantyEvaluateView.as_view(), name="warranty-evaluate"),
]
