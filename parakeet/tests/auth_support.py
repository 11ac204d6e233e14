"""Helpers for the auth tests: settings, token factories, keys and a fake JWKS endpoint."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.test import override_settings

SECRET = "parakeet-test-secret-" + "0123456789abcdef" * 3  # 69 bytes: long enough for HS512
ISSUER = "https://auth.parakeet.test/"
AUDIENCE = "parakeet-api"
JWKS_URL = "https://auth.parakeet.test/.well-known/jwks.json"
PROBE = "/api/probe"
MISSING = object()

AUTH_ON: dict[str, Any] = {
    "PARAKEET_AUTH_REQUIRED": True,
    "PARAKEET_JWT_SECRET": SECRET,
    "PARAKEET_JWT_ISSUER": ISSUER,
    "PARAKEET_JWT_AUDIENCE": AUDIENCE,
    "PARAKEET_JWT_ALGORITHMS": ["HS256"],
    "PARAKEET_JWT_PUBLIC_KEY": "",
    "PARAKEET_JWKS_URL": "",
    "PARAKEET_API_KEY_HASHES": [],
}


@contextmanager
def auth_on(**overrides: Any) -> Iterator[None]:
    with override_settings(**{**AUTH_ON, **overrides}):
        yield


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims for the test issuer/audience; pass ``claim=MISSING`` to drop one."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "alice",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
    }
    return {k: v for k, v in {**base, **overrides}.items() if v is not MISSING}


def hs256_token(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), SECRET, algorithm="HS256")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hmac_token(secret: bytes, payload: dict[str, Any], alg: str = "HS256") -> str:
    """HS256 signed by hand: PyJWT refuses a PEM key as an HMAC secret, attackers do not."""
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(payload).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def public_pem(private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def rsa_jwk(private_key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256", **extra}


def bearer(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_unauthorized(response: Any, detail: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == "Bearer"


def assert_authenticated(response: Any, subject: str, kind: str) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert (body["subject"], body["kind"]) == (subject, kind)
    return body


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeJWKSEndpoint:
    """``GET JWKS_URL`` answered from ``keys``; every request is recorded."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, text="upstream trouble")
        return httpx.Response(200, json={"keys": self.keys})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))
