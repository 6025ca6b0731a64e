from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from network.api.views import MeView

from . import views
from .api.views import api_not_found

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The pages declare their language and carry our colour fixes (templates/api/), otherwise drf-spectacular's.
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("me/", MeView.as_view(), name="me"),
    path("", include("warranty.api.urls")),
    path("", include("repairs.api.urls")),
    path("", include("network.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("integrations.api.urls")),
    # Last: any other path under /api/v1/ answers 404 in the API's error shape, not an HTML page.
    re_path(r"^.*$", api_not_found, name="not-found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("repairs/", include("repairs.urls")),
    path("network/", include("office.urls")),
    path("network/", include("settlement.urls")),
    path("inventory/", include("inventory.urls")),
    path("care/", include("care.urls")),
    path("remedies/", include("remedies.urls")),
    path("inspections/", include("inspections.urls")),
    path("grading/", include("grading.urls")),
    path("quality/", include("quality.urls")),
    path("screening/", include("screening.urls")),
    path("insight/", include("insight.urls")),
    path("contracts/", include("office.urls_contracts")),
    path("integrations/", include("integrations.urls")),
    path("my/", include("portal.urls")),
    path("api/v1/", include((api_v1, "api"))),
]
