from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("", views.review, name="review"),
    path("assess/", views.assess, name="assess"),
    path("assessments/<int:pk>/decide/", views.decide, name="decide"),
    path("centers/<str:code>/", views.center, name="center"),
]
