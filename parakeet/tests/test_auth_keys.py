"""Asymmetric tokens: a configured public key, a JWKS endpoint, and algorithm confusion."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.test import override_settings
from rest_framework.test import APIClient

from parakeet import jwks
from parakeet.tests.auth_support import (
    JWKS_URL,
    PROBE,
    FakeClock,
    FakeJWKSEndpoint,
    assert_authenticated,
    assert_unauthorized,
    auth_on,
    bearer,
    claims,
    hmac_token,
    public_pem,
    rsa_jwk,
)

pytestmark = pytest.mark.urls("parakeet.tests.auth_urls")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_jwks_caches() -> Iterator[None]:
    jwks.clear_jwks_caches()
    yield
    jwks.clear_jwks_caches()


# --- PARAKEET_JWT_PUBLIC_KEY --------------------------------------------------------------


def test_an_rs256_token_verified_with_the_configured_public_key_is_accepted(client, rsa_key):
    token = jwt.encode(claims(), rsa_key, algorithm="RS256")
    with auth_on(PARAKEET_JWT_ALGORITHMS=["RS256"], PARAKEET_JWT_PUBLIC_KEY=public_pem(rsa_key)):
        assert_authenticated(client.get(PROBE, **bearer(token)), "alice", "jwt")


def test_an_es256_token_verified_with_the_configured_public_key_is_accepted(client, ec_key):
    token = jwt.encode(claims(sub="bob"), ec_key, algorithm="ES256")
    with auth_on(PARAKEET_JWT_ALGORITHMS=["ES256"], PARAKEET_JWT_PUBLIC_KEY=public_pem(ec_key)):
        assert_authenticated(client.get(PROBE, **bearer(token)), "bob", "jwt")


def test_a_public_key_pasted_with_escaped_newlines_is_understood(client, ec_key):
    one_line = public_pem(ec_key).replace("\n", "\\n")
    token = jwt.encode(claims(), ec_key, algorithm="ES256")
    with auth_on(PARAKEET_JWT_ALGORITHMS=["ES256"], PARAKEET_JWT_PUBLIC_KEY=one_line):
        assert_authenticated(client.get(PROBE, **bearer(token)), "alice", "jwt")


def test_a_token_signed_by_another_rsa_key_is_rejected(client, rsa_key, other_rsa_key):
    token = jwt.encode(claims(), other_rsa_key, algorithm="RS256")
    with auth_on(PARAKEET_JWT_ALGORITHMS=["RS256"], PARAKEET_JWT_PUBLIC_KEY=public_pem(rsa_key)):
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_an_expired_rs256_token_is_rejected_as_expired(client, rsa_key):
    token = jwt.encode(claims(exp=1_000_000), rsa_key, algorithm="RS256")
    with auth_on(PARAKEET_JWT_ALGORITHMS=["RS256"], PARAKEET_JWT_PUBLIC_KEY=public_pem(rsa_key)):
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Token has expired")


def test_an_es256_token_is_rejected_when_the_configured_key_is_rsa(client, rsa_key, ec_key):
    token = jwt.encode(claims(), ec_key, algorithm="ES256")
    with auth_on(
        PARAKEET_JWT_ALGORITHMS=["RS256", "ES256"], PARAKEET_JWT_PUBLIC_KEY=public_pem(rsa_key)
    ):
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_an_unloadable_configured_public_key_rejects_tokens_instead_of_failing(client, rsa_key):
    token = jwt.encode(claims(), rsa_key, algorithm="RS256")
    with auth_on(PARAKEET_JWT_ALGORITHMS=["RS256"], PARAKEET_JWT_PUBLIC_KEY="not a pem"):
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


# --- HS/RS confusion ----------------------------------------------------------------------


@pytest.mark.parametrize("algorithms", [["RS256"], ["RS256", "HS256"], ["HS256", "RS256"]], ids=str)
def test_hs256_signed_with_the_rsa_public_key_is_rejected(client, rsa_key, algorithms):
    pem = public_pem(rsa_key)
    forged = hmac_token(pem.encode(), claims(sub="mallory"))
    with auth_on(
        PARAKEET_JWT_ALGORITHMS=algorithms, PARAKEET_JWT_PUBLIC_KEY=pem, PARAKEET_JWT_SECRET=""
    ):
        assert_unauthorized(client.get(PROBE, **bearer(forged)), "Invalid token")


def test_hs256_signed_with_the_jwks_modulus_is_rejected(client, rsa_key):
    """The JWKS path never hands a symmetric key to PyJWT either."""
    endpoint = FakeJWKSEndpoint(keys=[rsa_jwk(rsa_key, "k1")])
    jwks.install_jwks_cache(jwks.JWKSCache(JWKS_URL, client_factory=endpoint.client))
    forged = hmac_token(endpoint.keys[0]["n"].encode(), claims())
    with auth_on(
        PARAKEET_JWT_ALGORITHMS=["RS256", "HS256"],
        PARAKEET_JWT_SECRET="",
        PARAKEET_JWKS_URL=JWKS_URL,
    ):
        assert_unauthorized(client.get(PROBE, **bearer(forged)), "Invalid token")


# --- PARAKEET_JWKS_URL --------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def endpoint(rsa_key, clock) -> Iterator[FakeJWKSEndpoint]:
    endpoint = FakeJWKSEndpoint(keys=[rsa_jwk(rsa_key, "key-1")])
    jwks.install_jwks_cache(jwks.JWKSCache(JWKS_URL, client_factory=endpoint.client, clock=clock))
    with auth_on(PARAKEET_JWT_ALGORITHMS=["RS256"], PARAKEET_JWKS_URL=JWKS_URL):
        yield endpoint


def rs256(private_key: rsa.RSAPrivateKey, kid: str | None, **overrides: object) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims(**overrides), private_key, algorithm="RS256", headers=headers)


def test_an_rs256_token_verified_through_the_jwks_is_accepted(client, endpoint, rsa_key):
    assert_authenticated(client.get(PROBE, **bearer(rs256(rsa_key, "key-1"))), "alice", "jwt")
    assert [str(r.url) for r in endpoint.requests] == [JWKS_URL]


def test_the_jwks_is_fetched_once_and_cached(client, endpoint, rsa_key, clock):
    for _ in range(3):
        clock.now += 3600
        assert_authenticated(client.get(PROBE, **bearer(rs256(rsa_key, "key-1"))), "alice", "jwt")
    assert len(endpoint.requests) == 1


def test_an_unknown_kid_refetches_at_most_once_a_minute(client, endpoint, rsa_key, clock):
    token = rs256(rsa_key, "unknown-kid")
    for _ in range(5):
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")
        clock.now += 10
    assert len(endpoint.requests) == 1  # the first fetch; then within the minute: no refetch
    clock.now += 30  # 80 s after the first fetch
    for _ in range(5):
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")
    assert len(endpoint.requests) == 2


def test_a_rotated_key_is_picked_up_by_the_unknown_kid_refetch(
    client, endpoint, rsa_key, other_rsa_key, clock
):
    assert_authenticated(client.get(PROBE, **bearer(rs256(rsa_key, "key-1"))), "alice", "jwt")
    endpoint.keys = [rsa_jwk(other_rsa_key, "key-2")]
    clock.now += 61
    token = rs256(other_rsa_key, "key-2", sub="carol")
    assert_authenticated(client.get(PROBE, **bearer(token)), "carol", "jwt")
    assert len(endpoint.requests) == 2


def test_a_token_signed_by_another_key_under_a_known_kid_is_rejected(
    client, endpoint, other_rsa_key
):
    token = rs256(other_rsa_key, "key-1")
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_a_jwks_token_without_kid_is_rejected(client, endpoint, rsa_key):
    assert_unauthorized(client.get(PROBE, **bearer(rs256(rsa_key, None))), "Invalid token")
    assert endpoint.requests == []


def test_a_jwk_published_for_another_algorithm_is_not_used(client, endpoint, rsa_key):
    endpoint.keys = [rsa_jwk(rsa_key, "key-1", alg="PS256")]
    with override_settings(PARAKEET_JWT_ALGORITHMS=["RS256", "PS256"]):
        assert_unauthorized(client.get(PROBE, **bearer(rs256(rsa_key, "key-1"))), "Invalid token")


def test_an_unreachable_jwks_rejects_the_token_and_is_retried_after_a_minute(
    client, endpoint, rsa_key, clock
):
    endpoint.status = 503
    token = rs256(rsa_key, "key-1")
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")
    assert len(endpoint.requests) == 1
    endpoint.status = 200
    clock.now += 60
    assert_authenticated(client.get(PROBE, **bearer(token)), "alice", "jwt")
    assert len(endpoint.requests) == 2
