from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my-center/", views.my_center, name="my_center"),
    path("dealer/", views.dealer_home, name="dealer_home"),
]
