from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("", views.index, name="index"),
    path("screen/", views.screen, name="screen"),
    path("denials/", views.denial, name="denial"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("centers/<str:code>/", views.center, name="center"),
    path("flags/<int:pk>/decide/", views.decide, name="decide"),
    path("flags/<int:pk>/dispute/", views.dispute, name="dispute"),
]
