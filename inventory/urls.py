"""The spare-parts pages, under the `inventory` namespace. Three groups, each with its own views module:
stock (levels, ledger, a centre's page, deposits), flow (part requests, defective-part returns) and tools
(stock import, reorder suggestions)."""

from django.urls import include, path

app_name = "inventory"
urlpatterns = [
    path("", include("inventory.urls_stock")),
    path("", include("inventory.urls_flow")),
    path("", include("inventory.urls_tools")),
]
