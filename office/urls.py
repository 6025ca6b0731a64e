from django.urls import path

from . import views, views_certificates, views_coverage, views_time

app_name = "office"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my-center/", views.my_center, name="my_center"),
    path("dealer/", views.dealer_home, name="dealer_home"),
    path("coverage/", views_coverage.coverage, name="coverage"),
    path("coverage/activate/", views_coverage.coverage_activate, name="coverage_activate"),
    path("time/", views_time.technician_time, name="technician_time"),
    path("time/export.csv", views_time.technician_time_csv, name="technician_time_csv"),
    path("time/technicians/<int:pk>/", views_time.technician_time_detail, name="technician_time_detail"),
    path("time/admin/new/", views_time.admin_time_new, name="admin_time_new"),
    path("time/admin/<int:pk>/cancel/", views_time.admin_time_cancel_view, name="admin_time_cancel"),
    path("certificates/", views_certificates.certificate_list, name="certificate_list"),
    path("tasks/<int:pk>/done/", views_certificates.center_task_done_view, name="center_task_done"),
]
