"""Origin authentication (contract §4): a Bearer JWT or an ``X-API-Key``, when auth is on.

The classes are named in ``REST_FRAMEWORK`` by these import paths; the modules below hold
the pieces: who called (``principal``), token verification (``tokens``), API-key matching
(``api_keys``), the DRF authentication classes (``authentication``), the permission
(``permissions``) and the system checks (``checks``). JWKS fetching is ``parakeet.jwks``.
"""

from __future__ import annotations

from parakeet.auth.authentication import APIKeyAuthentication, JWTAuthentication
from parakeet.auth.permissions import ApiAccess
from parakeet.auth.principal import ApiPrincipal

__all__ = ["APIKeyAuthentication", "ApiAccess", "ApiPrincipal", "JWTAuthentication"]
