from django.urls import path

from . import views, views_dashboard

app_name = "care"
urlpatterns = [
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/", views.callback_detail, name="callback_detail"),
    path("callbacks/<int:pk>/attempt/", views.callback_attempt, name="callback_attempt"),
    path("callbacks/<int:pk>/review/", views.callback_review, name="callback_review"),
    path("complaints/", views.complaints, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/staff/", views.complaint_staff, name="complaint_staff"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/reply/", views.complaint_reply, name="complaint_reply"),
    path("complaints/<int:pk>/resolve/", views.complaint_resolve, name="complaint_resolve"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("breaches/", views.breaches, name="breaches"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
]
