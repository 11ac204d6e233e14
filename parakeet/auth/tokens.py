"""Verifying a bearer JWT against the settings (contract §4): the light half.

The verification key is chosen from the token's ``alg`` *family* before PyJWT sees the
token: HMAC algorithms only ever use ``PARAKEET_JWT_SECRET``, and RSA/EC/EdDSA algorithms
only ever use a public key of the matching type (``PARAKEET_JWT_PUBLIC_KEY``, else the JWKS
key named by ``kid``). So a token signed with HS256 using the RSA public key as the HMAC
secret has nothing to be verified with, and ``none`` is not an algorithm we know.
When both a public key and a JWKS URL are configured, the public key is used.

PyJWT, cryptography and httpx (~90 ms of a cold start) live in
:mod:`parakeet.auth.jwt_verification`, imported by the first token to verify: requests
authenticated by API key, public routes and commands never pay for them. Under SnapStart
the before-snapshot hook imports it, so restored containers have it loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from parakeet.auth.jwt_verification import PublicKey

# JWK `kty` of the key each supported algorithm verifies with. `none` is deliberately absent.
KEY_TYPES: dict[str, str] = {
    **dict.fromkeys(("HS256", "HS384", "HS512"), "oct"),
    **dict.fromkeys(("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"), "RSA"),
    **dict.fromkeys(("ES256", "ES256K", "ES384", "ES512"), "EC"),
    "EdDSA": "OKP",
}


class TokenExpired(Exception):
    """The token verified, but its ``exp`` has passed (beyond the leeway)."""


class TokenInvalid(Exception):
    """Any other reason to reject the token; the message is for logs, never for clients."""


def allowed_algorithms() -> list[str]:
    return [alg for alg in settings.PARAKEET_JWT_ALGORITHMS if alg in KEY_TYPES]


def verify_token(token: str) -> dict[str, Any]:
    """The claims of a token that passes every check, else TokenExpired / TokenInvalid."""
    from parakeet.auth import jwt_verification

    return jwt_verification.verify_token(token)


def load_public_key(text: str) -> PublicKey:
    """A PEM public key or X.509 certificate, as pasted into an environment variable.

    Raises ValueError for anything else (including private keys: the origin never needs one).
    """
    from parakeet.auth import jwt_verification

    return jwt_verification.load_public_key(text)
