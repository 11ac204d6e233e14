"""The JWKS cache on its own: what it keeps from a key set, and when it goes back for more."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from parakeet.jwks import JWKSCache, JWKSError, signing_keys_from_document
from parakeet.tests.auth_support import JWKS_URL, FakeClock, FakeJWKSEndpoint, rsa_jwk


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_jwk(kid: str) -> dict[str, object]:
    import jwt

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return {**jwt.algorithms.ECAlgorithm.to_jwk(key, as_dict=True), "kid": kid}


def test_a_key_set_keeps_signature_keys_by_kid(rsa_key):
    keys = signing_keys_from_document({"keys": [rsa_jwk(rsa_key, "r1"), ec_jwk("e1")]})
    assert sorted(keys) == ["e1", "r1"]
    assert keys["r1"]["kty"] == "RSA"


def test_a_key_set_drops_symmetric_encryption_kidless_and_broken_keys(rsa_key):
    document = {
        "keys": [
            {"kty": "oct", "kid": "shared", "k": "c2VjcmV0"},
            rsa_jwk(rsa_key, "enc", use="enc"),
            {k: v for k, v in rsa_jwk(rsa_key, "x").items() if k != "kid"},
            {"kty": "RSA", "kid": "broken", "n": "AQAB"},
            "not-a-jwk",
            rsa_jwk(rsa_key, "good"),
        ]
    }
    assert list(signing_keys_from_document(document)) == ["good"]


@pytest.mark.parametrize(
    "document",
    [[], {"keys": "nope"}, {"no": "keys"}, {"keys": []}, {"keys": [{"kty": "oct", "kid": "s"}]}],
    ids=["list", "keys-not-list", "no-keys", "empty", "nothing-usable"],
)
def test_a_document_without_usable_keys_is_an_error(document):
    with pytest.raises(JWKSError):
        signing_keys_from_document(document)


def test_a_failed_refetch_keeps_the_keys_fetched_before(rsa_key):
    endpoint = FakeJWKSEndpoint(keys=[rsa_jwk(rsa_key, "k1")])
    clock = FakeClock()
    cache = JWKSCache(JWKS_URL, client_factory=endpoint.client, clock=clock)
    assert cache.key("k1")["kid"] == "k1"
    endpoint.status = 500
    clock.now += 120
    with pytest.raises(JWKSError):
        cache.key("k2")
    assert cache.key("k1")["kid"] == "k1"
    assert len(endpoint.requests) == 2


def test_a_body_that_is_not_json_counts_as_a_failed_fetch(rsa_key):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    cache = JWKSCache(
        JWKS_URL,
        client_factory=lambda: httpx.Client(transport=httpx.MockTransport(handler)),
        clock=FakeClock(),
    )
    with pytest.raises(JWKSError):
        cache.key("k1")


def test_a_network_error_counts_as_a_failed_fetch_and_is_rate_limited():
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    clock = FakeClock()
    cache = JWKSCache(
        JWKS_URL,
        client_factory=lambda: httpx.Client(transport=httpx.MockTransport(handler)),
        clock=clock,
    )
    for _ in range(3):
        with pytest.raises(JWKSError):
            cache.key("k1")
    assert len(calls) == 1
    clock.now += 60
    with pytest.raises(JWKSError):
        cache.key("k1")
    assert len(calls) == 2


def test_the_default_http_client_has_timeouts():
    from parakeet.jwks import jwks_http_client

    with jwks_http_client() as client:
        assert client.timeout.read == 5.0
        assert client.timeout.connect == 3.0
        assert client.follow_redirects is False
