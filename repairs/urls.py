from django.urls import path

from . import views

app_name = "repairs"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("tablet/", views.my_orders, name="my_orders"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
]
