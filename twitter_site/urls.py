"""All routes: pages of each app, the API under /api/v1/, its schema and docs, the admin."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

import twitter_site.schema  # noqa: F401  (registers the Bearer scheme with drf-spectacular)
from twitter_site.api_errors import not_found as api_not_found

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("tweets.api_urls")),
    path("", include("timelines.api_urls")),
    path("", include("trending.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/v1/", api_not_found),  # unknown API addresses: JSON 404, not the HTML page
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Pages (their prefixes do not overlap; the busiest first, since each include is tried in turn).
    path("", include("timelines.urls")),
    path("", include("trending.urls")),
    path("", include("tweets.urls")),
    path("", include("accounts.urls")),
]
