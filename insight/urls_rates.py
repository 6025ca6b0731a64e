from django.urls import path

from . import views_rates

urlpatterns: list = [
    path("rates/", views_rates.rates_page, name="rates"),
    path("rates/export.csv", views_rates.rates_csv, name="rates_csv"),
    path("rates/export.xlsx", views_rates.rates_xlsx, name="rates_xlsx"),
]
