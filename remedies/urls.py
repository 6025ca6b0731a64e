from django.urls import path

from . import views, views_stock

app_name = "remedies"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/approve/", views.request_approve, name="approve"),
    path("<int:pk>/reject/", views.request_reject, name="reject"),
    path("<int:pk>/cancel/", views.request_cancel, name="cancel"),
    path("<int:pk>/exchange/", views.request_exchange, name="exchange"),
    path("<int:pk>/refund/", views.request_refund, name="refund"),
    path("<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("doa/", views_stock.doa_list, name="doa_list"),
    path("doa/new/", views_stock.doa_new, name="doa_new"),
    path("doa/<int:pk>/", views_stock.doa_detail, name="doa_detail"),
    path("refurbishment/", views_stock.refurb_list, name="refurb_list"),
    path("refurbishment/<int:pk>/", views_stock.refurb_detail, name="refurb_detail"),
    path("refurbishment/<int:pk>/<slug:step>/", views_stock.refurb_step, name="refurb_step"),
    path("rates/", views_stock.rates, name="rates"),
]
