from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from anxin.accounts.views import home
from anxin.core.views import healthz

# Django tries these in order: the REST API (the phones' reports, the busiest
# path) comes first, right after the benchmark floor (empty unless enabled).
urlpatterns = [
    path("bench/", include("anxin.core.bench")),  # empty unless settings.BENCH_ENDPOINTS
    path("api/v1/", include(("anxin.api_v1", "api"), namespace="api")),
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("anxin.accounts.urls")),
    path("", include("anxin.hazards.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("inbox/", include("anxin.notifications.urls")),
    path("warnings/", include("anxin.warnings.urls")),
    path("emergency/", include("anxin.emergency.urls")),
    path("open311/v2/", include("anxin.open311.urls")),
    path("map/", include("anxin.maps.urls")),
    # The residents' phone app (and grid workers' offline capture) lives under /m/.
    path("m/", include("anxin.residents.urls")),
    path("m/", include("anxin.capture.urls")),
    path("m/", include("anxin.ratings.urls")),
    path("m/", include("anxin.points.urls")),
    path("m/", include("anxin.knowledge.urls")),
    path("org/", include("anxin.areas.urls")),
    path("api/v1/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
