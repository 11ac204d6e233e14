"""The default permission: with auth on, every view not opting out needs an ApiPrincipal.

Public views (``parakeet.api.PublicView``: ``/``, ``/health``, ``/api``) and the docs set
their own permission classes. There are no roles, so authenticated means allowed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from parakeet.auth.principal import ApiPrincipal

NOT_AUTHENTICATED = "Not authenticated"


class ApiAccess(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not settings.PARAKEET_AUTH_REQUIRED:
            return True
        if isinstance(request.user, ApiPrincipal):
            return True
        # Raised rather than returning False: DRF's own wording differs from the contract's,
        # and a view without authenticators would get a 403 instead of a 401.
        raise NotAuthenticated(NOT_AUTHENTICATED)
