from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_board, name="board"),
    path("orders/<int:pk>/", views.inspection_form, name="form"),
]
