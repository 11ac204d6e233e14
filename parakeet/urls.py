"""The URLconf. Every route answers with and without its trailing slash (no redirects).

The apps mounted are ``settings.PARAKEET_URL_APPS`` (all by default; see :mod:`parakeet.urlconf`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, path, re_path

from parakeet import api
from parakeet.docs import swagger_oauth2_redirect
from parakeet.errors import not_found_view
from parakeet.routing import route
from parakeet.urlconf import app_urlpatterns
from parakeet.views import OpenApiJsonView, RedocPageView, SwaggerView


def build_urlpatterns(apps: Iterable[str]) -> list[URLPattern | URLResolver]:
    """The root, health, docs and admin routes, then each app's, then the JSON 404."""
    return [
        route("", api.RootView.as_view(), name="root"),
        route("health", api.HealthView.as_view(), name="health"),
        route("api", api.ApiIndexView.as_view(), name="api-index"),
        route("openapi.json", OpenApiJsonView.as_view(), name="openapi"),
        route("docs", SwaggerView.as_view(url_name="openapi"), name="swagger-ui"),
        route("docs/oauth2-redirect", swagger_oauth2_redirect, name="swagger-oauth2-redirect"),
        route("redoc", RedocPageView.as_view(url_name="openapi"), name="redoc"),
        re_path(r"^admin$", admin.site.admin_view(admin.site.index)),
        path("admin/", admin.site.urls),
        *app_urlpatterns(apps),
        # Anything else is the contract's JSON 404, in every DEBUG mode.
        re_path(r"^.*$", not_found_view),
    ]


urlpatterns = build_urlpatterns(settings.PARAKEET_URL_APPS)

handler400 = "parakeet.errors.bad_request_view"
handler403 = "parakeet.errors.permission_denied_view"
handler404 = "parakeet.errors.not_found_view"
handler500 = "parakeet.errors.server_error_view"
