from django.urls import path

from . import views_contracts as views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("new/", views.contract_new, name="new"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/activate/", views.contract_activate_view, name="activate"),
    path("<int:pk>/cancel/", views.contract_cancel_view, name="cancel"),
    path("<int:pk>/renew/", views.contract_renew_view, name="renew"),
    path("<int:pk>/payments/<int:payment_pk>/paid/", views.contract_payment_view, name="payment"),
]
