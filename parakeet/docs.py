"""API docs: Swagger UI and ReDoc from the bundled sidecar assets (never a CDN).

Also the OpenAPI adjustments the routing needs: paths are listed once, without the
optional trailing slash, as the contract spells them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import drf_spectacular_sidecar
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.views import SpectacularRedocView

from parakeet.fields import QueryBooleanField

_SWAGGER_DIST = (
    Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/swagger-ui-dist"
)
_REDIRECT_SCRIPT = "drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.js"
_ESCAPE = re.compile(r"\\(.)")

Endpoint = tuple[str, str, str, Any]


class RedocView(SpectacularRedocView):
    """ReDoc whose page loads nothing from other hosts (no web fonts)."""

    template_name = "parakeet/redoc.html"


@csrf_exempt
def swagger_oauth2_redirect(request: HttpRequest) -> HttpResponse:
    """Swagger UI's OAuth2 redirect page, its script taken from the static files."""
    if request.method not in {"GET", "HEAD"}:
        not_allowed = JsonResponse({"detail": "Method Not Allowed"}, status=405)
        not_allowed["Allow"] = "GET, HEAD"
        return not_allowed
    page = (_SWAGGER_DIST / "oauth2-redirect.html").read_text()
    page = page.replace('src="oauth2-redirect.js"', f'src="{static(_REDIRECT_SCRIPT)}"')
    return HttpResponse(page, content_type="text/html; charset=utf-8")


def contract_path(path: str) -> str:
    """``/openapi\\.json/`` -> ``/openapi.json``: unescape literals, drop the optional slash."""
    return _ESCAPE.sub(r"\1", path).rstrip("/") or "/"


def optional_slash_paths(endpoints: list[Endpoint], **kwargs: Any) -> list[Endpoint]:
    """drf-spectacular preprocessing hook for :func:`parakeet.routing.route` patterns."""
    return [(contract_path(path), regex, method, view) for path, regex, method, view in endpoints]


class QueryBooleanFieldSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """``QueryBooleanField`` (true/false/1/0/yes/no/on/off) is a boolean in the schema."""

    target_class = QueryBooleanField

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> Any:
        return build_basic_type(OpenApiTypes.BOOL)
