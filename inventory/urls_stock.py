"""Stock pages: levels, a manager's stock operations, a part's ledger, a centre's page and its deposits."""

from django.urls import path

from . import views

urlpatterns = [
    path("stock/", views.stock, name="stock"),
    path("stock/operations/", views.stock_operations, name="stock_operations"),
    path("parts/<int:pk>/ledger/", views.part_ledger, name="part_ledger"),
    path("my-center/", views.my_center, name="my_center"),
    path("centers/<int:center_pk>/", views.center_detail, name="center_detail"),
    path("centers/<int:center_pk>/deposits/", views.deposits, name="deposits"),
    path(
        "centers/<int:center_pk>/deposits/<slug:op>/",
        views.deposit_action,
        name="deposit_action",
    ),
]
