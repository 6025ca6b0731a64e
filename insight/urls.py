from .urls_budget import urlpatterns as budget_urls
from .urls_rates import urlpatterns as rates_urls

app_name = "insight"

urlpatterns = [*budget_urls, *rates_urls]
