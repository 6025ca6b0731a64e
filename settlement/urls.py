"""The monthly settlement's pages, under /network/settlements/ (the network's office)."""

from django.urls import path

from . import views

app_name = "settlement"
urlpatterns = [
    path("settlements/", views.settlement_list, name="settlements"),
    path("settlements/compute/", views.settlement_compute_view, name="settlements_compute"),
    path("settlements/export.csv", views.month_csv_view, name="settlements_csv"),
    path("settlements/export.zip", views.month_zip_view, name="settlements_zip"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/confirm/", views.settlement_confirm_view, name="settlement_confirm"),
    path("settlements/<int:pk>/paid/", views.settlement_paid_view, name="settlement_paid"),
    path(
        "settlements/<int:pk>/recompute/",
        views.settlement_recompute_view,
        name="settlement_recompute",
    ),
    path("settlements/<int:pk>/statement.pdf", views.settlement_pdf_view, name="settlement_pdf"),
    path("settlements/<int:pk>/statement.csv", views.settlement_csv_view, name="settlement_csv"),
    path("settlements/<int:pk>/statement.xlsx", views.settlement_xlsx_view, name="settlement_xlsx"),
    path("settlements/<int:pk>/adjustments/", views.adjustment_add_view, name="adjustment_add"),
    path(
        "settlements/adjustments/<int:pk>/remove/",
        views.adjustment_remove_view,
        name="adjustment_remove",
    ),
    path("settlements/<int:pk>/disputes/", views.dispute_raise_view, name="dispute_raise"),
    path(
        "settlements/disputes/<int:pk>/resolve/",
        views.dispute_resolve_view,
        name="dispute_resolve",
    ),
]
