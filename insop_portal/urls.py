from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from core.accounts import PasswordResetView
from core.api_auth import TokenView
from indicators.api import KpiView
from insop_portal.api import router
from thresholds.api import CheckView

admin.site.site_header = "INSOP portal: curators"
admin.site.site_title = "INSOP curators"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/stats/kpis/", KpiView.as_view(), name="api-kpis"),
    path("api/v1/check/", CheckView.as_view(), name="api-check"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Limited per e-mail address and per client address; the rest is Django's.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("indicators.urls")),
    path("", include("surveys.urls")),
    path("", include("sops.urls")),
    path("", include("thresholds.urls")),
]

handler404 = "core.api_errors.not_found"
