from django.urls import path

from . import pdf, views, views_tablet

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
    path("tablet/", views_tablet.my_orders, name="my_orders"),
    path("tablet/orders/<int:pk>/", views_tablet.order_detail, name="tablet_order"),
    path("tablet/orders/<int:pk>/step/", views_tablet.order_step, name="tablet_step"),
    path("tablet/orders/<int:pk>/contact/", views_tablet.order_contact, name="tablet_contact"),
    path("tablet/orders/<int:pk>/parts/", views_tablet.order_need_parts, name="tablet_need_parts"),
    path("tablet/orders/<int:pk>/carry-in/", views_tablet.order_carry_in, name="tablet_carry_in"),
    path("tablet/orders/<int:pk>/close/", views_tablet.order_close, name="tablet_close"),
    path("tablet/orders/<int:pk>/code/", views_tablet.order_code_resend, name="tablet_code_resend"),
    path("work-orders/<int:pk>/close/", views_tablet.office_close, name="office_close"),
    path("closings/without-proof/", views.proof_exceptions, name="proof_exceptions"),
    path("closings/<int:pk>/clear/", views.proof_exception_clear, name="proof_exception_clear"),
    path("work-orders/<int:pk>/signature.png", views_tablet.order_signature, name="work_order_signature"),
    path("work-order-photos/<int:pk>/", views_tablet.order_photo, name="work_order_photo"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
]
