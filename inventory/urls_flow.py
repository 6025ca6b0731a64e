"""Part requests and defective-part returns (views_flow)."""

from django.urls import path

from . import views_flow as views

urlpatterns = [
    path("requests/", views.part_requests, name="requests"),
    path("requests/new/", views.part_request_new, name="request_new"),
    path("requests/<int:pk>/", views.part_request_detail, name="request_detail"),
    path("requests/<int:pk>/approve/", views.part_request_approve, name="request_approve"),
    path("requests/<int:pk>/reject/", views.part_request_reject, name="request_reject"),
    path("requests/<int:pk>/ship/", views.part_request_ship, name="request_ship"),
    path("requests/<int:pk>/receive/", views.part_request_receive, name="request_receive"),
    path("requests/<int:pk>/cancel/", views.part_request_cancel, name="request_cancel"),
    path("returns/", views.defective_returns, name="returns"),
    path("returns/<int:pk>/", views.defective_return_detail, name="return_detail"),
    path("returns/<int:pk>/ship/", views.defective_return_ship, name="return_ship"),
    path("returns/<int:pk>/scrap/", views.defective_return_request_scrap, name="return_scrap"),
    path("returns/<int:pk>/scrap-decision/", views.defective_return_decide_scrap, name="return_decide_scrap"),
    path("returns/<int:pk>/receive/", views.defective_return_receive, name="return_receive"),
    path("returns/<int:pk>/inspect/", views.defective_return_inspect, name="return_inspect"),
    path("returns/photos/<int:pk>/", views.defective_return_photo, name="return_photo"),
]
