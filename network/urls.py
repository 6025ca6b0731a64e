from django.urls import path

from . import views, views_settlement, views_time

app_name = "network"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my-center/", views.my_center, name="my_center"),
    path("dealer/", views.dealer_home, name="dealer_home"),
    path("time/", views_time.technician_time, name="technician_time"),
    path("time/export.csv", views_time.technician_time_csv, name="technician_time_csv"),
    path("time/technicians/<int:pk>/", views_time.technician_time_detail, name="technician_time_detail"),
    path("time/admin/new/", views_time.admin_time_new, name="admin_time_new"),
    path("time/admin/<int:pk>/cancel/", views_time.admin_time_cancel_view, name="admin_time_cancel"),
    path("settlements/", views_settlement.settlement_list, name="settlements"),
    path("settlements/compute/", views_settlement.settlement_compute_view, name="settlements_compute"),
    path("settlements/export.csv", views_settlement.month_csv_view, name="settlements_csv"),
    path("settlements/export.zip", views_settlement.month_zip_view, name="settlements_zip"),
    path("settlements/<int:pk>/", views_settlement.settlement_detail, name="settlement_detail"),
    path(
        "settlements/<int:pk>/confirm/", views_settlement.settlement_confirm_view, name="settlement_confirm"
    ),
    path("settlements/<int:pk>/paid/", views_settlement.settlement_paid_view, name="settlement_paid"),
    path(
        "settlements/<int:pk>/recompute/",
        views_settlement.settlement_recompute_view,
        name="settlement_recompute",
    ),
    path("settlements/<int:pk>/statement.pdf", views_settlement.settlement_pdf_view, name="settlement_pdf"),
    path("settlements/<int:pk>/statement.csv", views_settlement.settlement_csv_view, name="settlement_csv"),
    path(
        "settlements/<int:pk>/statement.xlsx", views_settlement.settlement_xlsx_view, name="settlement_xlsx"
    ),
    path("settlements/<int:pk>/adjustments/", views_settlement.adjustment_add_view, name="adjustment_add"),
    path(
        "settlements/adjustments/<int:pk>/remove/",
        views_settlement.adjustment_remove_view,
        name="adjustment_remove",
    ),
    path("settlements/<int:pk>/disputes/", views_settlement.dispute_raise_view, name="dispute_raise"),
    path(
        "settlements/disputes/<int:pk>/resolve/",
        views_settlement.dispute_resolve_view,
        name="dispute_resolve",
    ),
]
