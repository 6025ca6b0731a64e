from django.urls import path

from . import pdf, views

app_name = "repairs"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("lookup/", views.lookup, name="lookup"),
    path("intake/panel/", views.intake_panel, name="intake_panel"),
    path("work-orders/<int:pk>/dispatch/", views.work_order_dispatch, name="work_order_dispatch"),
    path("work-orders/<int:pk>/transition/", views.work_order_transition, name="work_order_transition"),
    path("work-orders/<int:pk>/carry-in/", views.work_order_carry_in, name="work_order_carry_in"),
    path("work-orders/<int:pk>/quote/", views.work_order_quote, name="work_order_quote"),
    path("work-orders/<int:pk>/voucher.pdf", pdf.work_order_voucher, name="work_order_voucher"),
    path("tablet/", views.my_orders, name="my_orders"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
]
