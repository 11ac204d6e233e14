"""DRF authentication classes: ``Authorization: Bearer <JWT>`` first, then ``X-API-Key``.

Both step aside entirely when ``PARAKEET_AUTH_REQUIRED`` is off: credentials are then
neither required nor checked, so a stale token in a dev browser never breaks a request.
Client-facing messages are the contract's; the reasons go to the log.
"""

from __future__ import annotations

import logging
from types import MappingProxyType

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from parakeet.auth.api_keys import matching_key_hash
from parakeet.auth.principal import ApiPrincipal
from parakeet.auth.tokens import TokenExpired, TokenInvalid, verify_token

logger = logging.getLogger("parakeet.auth")

INVALID_TOKEN = "Invalid token"
EXPIRED_TOKEN = "Token has expired"
INVALID_API_KEY = "Invalid API key"


class BearerChallenge:
    def authenticate_header(self, request: Request) -> str:
        # DRF puts this in WWW-Authenticate on 401s (the exception handler sets it too).
        return "Bearer"


class JWTAuthentication(BearerChallenge, BaseAuthentication):
    """``request.user`` = ApiPrincipal(kind="jwt"), ``request.auth`` = the raw token."""

    def authenticate(self, request: Request) -> tuple[ApiPrincipal, str] | None:
        if not settings.PARAKEET_AUTH_REQUIRED:
            return None
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            # No Authorization header, or another scheme (Basic...): not our credential.
            return None
        token = token.strip()
        if not token:
            raise AuthenticationFailed(INVALID_TOKEN)
        try:
            claims = verify_token(token)
        except TokenExpired:
            raise AuthenticationFailed(EXPIRED_TOKEN) from None
        except TokenInvalid as exc:
            logger.info("Rejected a bearer token: %s", exc)
            raise AuthenticationFailed(INVALID_TOKEN) from None
        subject = claims.get("sub")
        principal = ApiPrincipal(
            subject=subject if isinstance(subject, str) else "",
            kind="jwt",
            claims=MappingProxyType(claims),
        )
        return principal, token


class APIKeyAuthentication(BearerChallenge, BaseAuthentication):
    """``request.user`` = ApiPrincipal(kind="api_key"), ``request.auth`` = the matched digest."""

    def authenticate(self, request: Request) -> tuple[ApiPrincipal, str] | None:
        if not settings.PARAKEET_AUTH_REQUIRED:
            return None
        key = request.META.get("HTTP_X_API_KEY")
        if key is None:
            return None
        matched = matching_key_hash(key, settings.PARAKEET_API_KEY_HASHES)
        if matched is None:
            logger.info("Rejected an API key")
            raise AuthenticationFailed(INVALID_API_KEY)
        return ApiPrincipal(subject=f"api-key:{matched[:8]}", kind="api_key"), matched
