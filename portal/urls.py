from django.urls import path

from . import views_home, views_orders, views_report, views_sign_in, views_units

app_name = "portal"
urlpatterns = [
    # Sign-in (the page at /my/ when nobody is signed in; the customer's home once they are).
    path("", views_home.home, name="home"),
    path("sign-in/", views_sign_in.sign_in, name="sign_in"),
    path("sign-in/code/", views_sign_in.send_code, name="send_code"),
    path("sign-out/", views_sign_in.sign_out, name="sign_out"),
    # Units and the electronic warranty card (电子保修卡).
    path("units/<int:pk>/", views_units.unit_card, name="unit_card"),
    # Report a fault (and register a unit on the way).
    path("report/", views_report.report, name="report"),
    path("units/new/", views_report.unit_new, name="unit_new"),
    path("photos/<int:pk>/", views_report.call_photo, name="call_photo"),
    # An order: its progress, move or cancel it, confirm and rate the visit.
    path("orders/<int:pk>/", views_orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/reschedule/", views_orders.order_reschedule, name="order_reschedule"),
    path("orders/<int:pk>/cancel/", views_orders.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/confirm/", views_orders.order_confirm, name="order_confirm"),
    path("orders/<int:pk>/rate/", views_orders.order_rate, name="order_rate"),
]
