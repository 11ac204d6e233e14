"""Origin authentication (placeholder until the JWT/API-key classes land)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class JWTAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class APIKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return None


class ApiAccess(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return not settings.PARAKEET_AUTH_REQUIRED or request.auth is not None
