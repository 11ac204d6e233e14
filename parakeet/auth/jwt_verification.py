"""Verifying a bearer JWT with PyJWT: the heavy half of :mod:`parakeet.auth.tokens`.

Imported on first use (see that module), never at init: it pulls in PyJWT, cryptography and,
through :mod:`parakeet.jwks`, httpx.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from django.conf import settings

from parakeet.auth.tokens import KEY_TYPES, TokenExpired, TokenInvalid, allowed_algorithms
from parakeet.jwks import JWKSError, jwks_cache

logger = logging.getLogger("parakeet.auth")

PublicKey = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
)
_PUBLIC_KEY_CLASSES: dict[str, tuple[type[Any], ...]] = {
    "RSA": (rsa.RSAPublicKey,),
    "EC": (ec.EllipticCurvePublicKey,),
    "OKP": (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey),
}


def verify_token(token: str) -> dict[str, Any]:
    """The claims of a token that passes every check, else TokenExpired / TokenInvalid."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"malformed token: {exc}") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed_algorithms():
        raise TokenInvalid(f"algorithm {alg!r} is not allowed")

    key = _verification_key(alg, header)
    issuer: str = settings.PARAKEET_JWT_ISSUER
    audience: str = settings.PARAKEET_JWT_AUDIENCE
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[alg],
            # Production settings refuse to start without an issuer and an audience; an
            # unset one (local dev) is simply not checked.
            issuer=issuer or None,
            audience=audience or None,
            leeway=settings.PARAKEET_JWT_LEEWAY_SECONDS,
            options={"require": ["exp"], "verify_aud": bool(audience)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired(str(exc)) from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise TokenInvalid(f"{type(exc).__name__}: {exc}") from exc
    return claims


def _verification_key(alg: str, header: dict[str, Any]) -> str | PublicKey | jwt.PyJWK:
    key_type = KEY_TYPES[alg]
    if key_type == "oct":
        secret: str = settings.PARAKEET_JWT_SECRET
        if not secret:
            raise TokenInvalid(f"{alg} token but PARAKEET_JWT_SECRET is not set")
        return secret

    pem: str = settings.PARAKEET_JWT_PUBLIC_KEY
    if pem:
        try:
            public_key = load_public_key(pem)
        except ValueError as exc:
            logger.error("PARAKEET_JWT_PUBLIC_KEY cannot be loaded: %s", exc)
            raise TokenInvalid("the configured public key cannot be loaded") from exc
        if not isinstance(public_key, _PUBLIC_KEY_CLASSES[key_type]):
            raise TokenInvalid(f"{alg} token but the configured public key is not {key_type}")
        return public_key

    url: str = settings.PARAKEET_JWKS_URL
    if url:
        return _jwks_key(url, alg, key_type, header.get("kid"))
    raise TokenInvalid(f"{alg} token but no public key or JWKS URL is configured")


def _jwks_key(url: str, alg: str, key_type: str, kid: Any) -> jwt.PyJWK:
    if not isinstance(kid, str) or not kid:
        raise TokenInvalid("the token names no `kid` to look up in the JWKS")
    try:
        jwk = jwks_cache(url).key(kid)
    except JWKSError as exc:
        raise TokenInvalid(str(exc)) from exc
    if jwk.get("kty") != key_type or jwk.get("alg", alg) != alg:
        raise TokenInvalid(f"JWK {kid!r} ({jwk.get('kty')}, {jwk.get('alg')}) cannot verify {alg}")
    try:
        # Bound to the token's (allowed, family-checked) algorithm: PyJWT then refuses
        # any other algorithm with this key.
        return jwt.PyJWK(dict(jwk), algorithm=alg)
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"JWK {kid!r} cannot be loaded: {exc}") from exc


@lru_cache(maxsize=4)
def load_public_key(text: str) -> PublicKey:
    """A PEM public key or X.509 certificate, as pasted into an environment variable.

    Raises ValueError for anything else (including private keys: the origin never needs one).
    """
    if "\\n" in text and "\n" not in text:  # one-line env values with escaped newlines
        text = text.replace("\\n", "\n")
    data = text.strip().encode("ascii", errors="replace")
    if b"-----BEGIN CERTIFICATE-----" in data:
        key: Any = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if isinstance(
        key,
        (
            rsa.RSAPublicKey,
            ec.EllipticCurvePublicKey,
            ed25519.Ed25519PublicKey,
            ed448.Ed448PublicKey,
        ),
    ):
        return key
    raise ValueError(f"unsupported public key type {type(key).__name__}")
