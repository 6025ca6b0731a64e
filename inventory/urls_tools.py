"""Tools: the initial stock import and the reorder suggestions."""

from django.urls import path

from . import views_tools

urlpatterns = [
    path("import/", views_tools.stock_import, name="import"),
    path("reorder/", views_tools.reorder, name="reorder"),
]
