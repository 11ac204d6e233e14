"""Swagger UI's OAuth2 redirect page, served from the bundled sidecar assets (no CDN)."""

from __future__ import annotations

from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpRequest, HttpResponse

_SWAGGER_DIST = (
    Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/swagger-ui-dist"
)


def swagger_oauth2_redirect(request: HttpRequest) -> HttpResponse:
    page = (_SWAGGER_DIST / "oauth2-redirect.html").read_bytes()
    return HttpResponse(page, content_type="text/html; charset=utf-8")


def swagger_oauth2_redirect_js(request: HttpRequest) -> HttpResponse:
    script = (_SWAGGER_DIST / "oauth2-redirect.js").read_bytes()
    return HttpResponse(script, content_type="text/javascript; charset=utf-8")
