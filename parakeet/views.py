"""The docs pages as the URLconf serves them: their errors in the contract's JSON format.

drf-spectacular's Swagger UI and ReDoc views render with an HTML template renderer, so a
wrong method would answer ``405 Method Not Allowed`` as plain text. Contract §1 wants
``{"detail": "Method Not Allowed"}`` on every route; these views render error responses
with the JSON renderer and successful ones as before.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from parakeet.docs import RedocView
from parakeet.urlconf import URL_APPS


class JsonErrorsMixin:
    """Render the responses of exceptions (405, 401, ...) as JSON, whatever was negotiated."""

    def handle_exception(self, exc: Exception) -> Response:
        response: Response = super().handle_exception(exc)  # type: ignore[misc]
        request: Any = getattr(self, "request", None)
        if request is not None:
            renderer = JSONRenderer()
            request.accepted_renderer = renderer
            request.accepted_media_type = renderer.media_type
        return response


class OpenApiJsonView(JsonErrorsMixin, SpectacularJSONAPIView):
    """``/openapi.json``: the whole API, also on a function that mounts only its own routes."""

    @property
    def urlconf(self) -> str | None:  # type: ignore[override]
        if set(settings.PARAKEET_URL_APPS) == set(URL_APPS):
            return None  # the URLconf serving this request
        return "parakeet.urls_openapi"


class SwaggerView(JsonErrorsMixin, SpectacularSwaggerView):
    """``/docs``: Swagger UI from the bundled assets."""


class RedocPageView(JsonErrorsMixin, RedocView):
    """``/redoc``: ReDoc from the bundled assets."""
