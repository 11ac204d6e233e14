"""Test URLconf: the project's routes plus ``/api/probe``, a view protected by the defaults.

The probe comes first because the project URLconf ends with a catch-all 404.
"""

from __future__ import annotations

from adrf.views import APIView
from django.urls import URLPattern, URLResolver
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from parakeet.auth import ApiPrincipal
from parakeet.routing import route
from parakeet.urls import urlpatterns as project_urlpatterns


class ProbeView(APIView):
    """Echoes who the default authenticators say is calling."""

    @extend_schema(
        tags=["root"],
        responses=inline_serializer(
            "AuthProbe",
            {
                "subject": serializers.CharField(allow_null=True),
                "kind": serializers.CharField(allow_null=True),
                "auth": serializers.CharField(allow_null=True),
            },
        ),
    )
    async def get(self, request: Request) -> Response:
        user = request.user
        if isinstance(user, ApiPrincipal):
            return Response({"subject": user.subject, "kind": user.kind, "auth": request.auth})
        return Response({"subject": None, "kind": None, "auth": None})


urlpatterns: list[URLPattern | URLResolver] = [
    route("api/probe", ProbeView.as_view(), name="auth-probe"),
    *project_urlpatterns,
]
