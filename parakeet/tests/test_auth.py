"""Origin authentication with HS256 tokens and API keys (contract §4), through a real view."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import jwt
import pytest
from django.test import override_settings
from rest_framework.test import APIClient, APIRequestFactory

from parakeet.auth import ApiPrincipal, JWTAuthentication
from parakeet.tests.auth_support import (
    AUDIENCE,
    ISSUER,
    MISSING,
    PROBE,
    SECRET,
    assert_authenticated,
    assert_unauthorized,
    auth_on,
    b64url,
    bearer,
    claims,
    hmac_token,
    hs256_token,
)

pytestmark = pytest.mark.urls("parakeet.tests.auth_urls")

API_KEY = "pk_live_0123456789abcdefghijklmnopqrstuv"
API_KEY_HASH = hashlib.sha256(API_KEY.encode()).hexdigest()
NEXT_API_KEY = "pk_live_rotated_zyxwvutsrqponmlkjihgfedcba"
NEXT_API_KEY_HASH = hashlib.sha256(NEXT_API_KEY.encode()).hexdigest()


@pytest.fixture(autouse=True)
def _auth_on() -> Iterator[None]:
    with auth_on(PARAKEET_API_KEY_HASHES=[API_KEY_HASH]):
        yield


@pytest.fixture
def client() -> APIClient:
    return APIClient()


# --- No or foreign credentials ----------------------------------------------------------


def test_a_request_without_credentials_is_rejected_as_not_authenticated(client):
    assert_unauthorized(client.get(PROBE), "Not authenticated")


def test_both_slash_forms_of_a_protected_route_are_rejected_without_credentials(client):
    assert_unauthorized(client.get(f"{PROBE}/"), "Not authenticated")


def test_a_basic_authorization_header_is_not_a_credential(client):
    response = client.get(PROBE, HTTP_AUTHORIZATION="Basic YWxpY2U6c2VjcmV0")
    assert_unauthorized(response, "Not authenticated")


def test_a_bearer_scheme_without_a_token_is_an_invalid_token(client):
    assert_unauthorized(client.get(PROBE, HTTP_AUTHORIZATION="Bearer"), "Invalid token")
    assert_unauthorized(client.get(PROBE, HTTP_AUTHORIZATION="Bearer   "), "Invalid token")


# --- Valid HS256 tokens -----------------------------------------------------------------


def test_a_valid_hs256_token_authenticates_its_subject(client):
    token = hs256_token()
    body = assert_authenticated(client.get(PROBE, **bearer(token)), "alice", "jwt")
    assert body["auth"] == token


def test_the_bearer_scheme_name_is_case_insensitive(client):
    response = client.get(PROBE, HTTP_AUTHORIZATION=f"bearer {hs256_token()}")
    assert_authenticated(response, "alice", "jwt")


def test_an_audience_list_containing_ours_is_accepted(client):
    token = hs256_token(aud=["another-api", AUDIENCE])
    assert_authenticated(client.get(PROBE, **bearer(token)), "alice", "jwt")


def test_a_token_without_subject_authenticates_with_an_empty_subject(client):
    token = hs256_token(sub=MISSING)
    assert_authenticated(client.get(PROBE, **bearer(token)), "", "jwt")


def test_the_principal_carries_the_verified_claims():
    token = hs256_token(scope="read")
    request = APIRequestFactory().get(PROBE, **bearer(token))
    principal, auth = JWTAuthentication().authenticate(request)  # type: ignore[misc]
    assert isinstance(principal, ApiPrincipal)
    assert principal.claims["scope"] == "read"
    assert principal.claims["iss"] == ISSUER
    assert principal.is_authenticated is True
    assert auth == token
    with pytest.raises(TypeError):
        principal.claims["scope"] = "admin"  # type: ignore[index]


# --- Time claims (30 s leeway) ----------------------------------------------------------


def test_an_expired_token_is_rejected_as_expired(client):
    token = hs256_token(exp=int(time.time()) - 120, iat=int(time.time()) - 600)
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Token has expired")


def test_a_token_expired_within_the_leeway_is_still_accepted(client):
    token = hs256_token(exp=int(time.time()) - 10, iat=int(time.time()) - 600)
    assert_authenticated(client.get(PROBE, **bearer(token)), "alice", "jwt")


def test_a_token_not_yet_valid_beyond_the_leeway_is_rejected(client):
    token = hs256_token(nbf=int(time.time()) + 120)
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_a_token_not_yet_valid_within_the_leeway_is_accepted(client):
    token = hs256_token(nbf=int(time.time()) + 10)
    assert_authenticated(client.get(PROBE, **bearer(token)), "alice", "jwt")


def test_a_token_issued_in_the_future_beyond_the_leeway_is_rejected(client):
    token = hs256_token(iat=int(time.time()) + 120)
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_a_token_without_exp_is_rejected(client):
    token = hs256_token(exp=MISSING)
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_an_expired_token_with_a_bad_signature_is_invalid_not_expired(client):
    token = jwt.encode(claims(exp=int(time.time()) - 120), "another-secret-" * 4)
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


# --- Issuer and audience ----------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example/"},
        {"iss": MISSING},
        {"aud": "another-api"},
        {"aud": ["another-api", "third-api"]},
        {"aud": MISSING},
    ],
    ids=["wrong-issuer", "missing-issuer", "wrong-audience", "audience-list", "no-audience"],
)
def test_a_token_for_another_issuer_or_audience_is_rejected(client, overrides):
    token = hs256_token(**overrides)
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


# --- Algorithms, signatures and malformed tokens ------------------------------------------


def test_an_unsigned_alg_none_token_is_rejected(client):
    token = jwt.encode(claims(), "", algorithm="none")
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_alg_none_is_rejected_even_when_listed_in_the_settings(client):
    token = jwt.encode(claims(), "", algorithm="none")
    with override_settings(PARAKEET_JWT_ALGORITHMS=["none", "HS256"]):
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_an_algorithm_outside_the_allow_list_is_rejected(client):
    token = jwt.encode(claims(), SECRET, algorithm="HS512")
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_a_token_signed_with_another_secret_is_rejected(client):
    token = jwt.encode(claims(), "not-the-configured-secret-0123456789abcdef", algorithm="HS256")
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_a_token_with_a_tampered_payload_is_rejected(client):
    header, _, signature = hs256_token().split(".")
    forged_payload = b64url(
        b'{"sub":"mallory","iss":"%s","aud":"%s","exp":9999999999}'
        % (ISSUER.encode(), AUDIENCE.encode())
    )
    token = f"{header}.{forged_payload}.{signature}"
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_a_token_with_a_tampered_signature_is_rejected(client):
    header, payload, _ = hs256_token().split(".")
    other_signature = hmac_token(b"x" * 32, claims()).split(".")[2]
    token = f"{header}.{payload}.{other_signature}"
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        "a.b",
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",  # payload is not JSON
        "e30.e30.",  # `{}` header: no alg
        b64url(b'{"alg":["HS256"]}') + ".e30.c2ln",
    ],
    ids=["no-dots", "garbage-segments", "two-segments", "payload-not-json", "no-alg", "alg-list"],
)
def test_a_malformed_token_is_rejected(client, token):
    assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_claims_with_wrong_types_are_rejected(client):
    for overrides in ({"exp": "tomorrow"}, {"iat": "now"}, {"sub": 42}, {"aud": {"x": 1}}):
        token = hs256_token(**overrides)
        assert_unauthorized(client.get(PROBE, **bearer(token)), "Invalid token")


def test_hs256_tokens_are_rejected_when_no_secret_is_configured(client):
    with override_settings(PARAKEET_JWT_SECRET=""):
        assert_unauthorized(client.get(PROBE, **bearer(hs256_token())), "Invalid token")


# --- API keys -----------------------------------------------------------------------------


def test_a_valid_api_key_authenticates_a_machine_client(client):
    body = assert_authenticated(
        client.get(PROBE, HTTP_X_API_KEY=API_KEY), f"api-key:{API_KEY_HASH[:8]}", "api_key"
    )
    assert body["auth"] == API_KEY_HASH


def test_a_wrong_api_key_is_rejected(client):
    response = client.get(PROBE, HTTP_X_API_KEY="pk_live_guess")
    assert_unauthorized(response, "Invalid API key")


def test_an_empty_api_key_is_rejected(client):
    assert_unauthorized(client.get(PROBE, HTTP_X_API_KEY=""), "Invalid API key")


def test_the_hash_itself_is_not_a_valid_api_key(client):
    assert_unauthorized(client.get(PROBE, HTTP_X_API_KEY=API_KEY_HASH), "Invalid API key")


def test_any_api_key_is_rejected_when_no_hashes_are_configured(client):
    with override_settings(PARAKEET_API_KEY_HASHES=[]):
        assert_unauthorized(client.get(PROBE, HTTP_X_API_KEY=API_KEY), "Invalid API key")


def test_both_keys_are_accepted_during_a_rotation(client):
    with override_settings(PARAKEET_API_KEY_HASHES=[API_KEY_HASH, NEXT_API_KEY_HASH]):
        assert_authenticated(
            client.get(PROBE, HTTP_X_API_KEY=API_KEY), f"api-key:{API_KEY_HASH[:8]}", "api_key"
        )
        assert_authenticated(
            client.get(PROBE, HTTP_X_API_KEY=NEXT_API_KEY),
            f"api-key:{NEXT_API_KEY_HASH[:8]}",
            "api_key",
        )


def test_configured_hashes_match_regardless_of_case_and_spaces(client):
    with override_settings(PARAKEET_API_KEY_HASHES=[f" {API_KEY_HASH.upper()} "]):
        assert_authenticated(
            client.get(PROBE, HTTP_X_API_KEY=API_KEY), f"api-key:{API_KEY_HASH[:8]}", "api_key"
        )


def test_an_api_key_works_alongside_a_non_bearer_authorization_header(client):
    response = client.get(
        PROBE, HTTP_AUTHORIZATION="Basic YWxpY2U6c2VjcmV0", HTTP_X_API_KEY=API_KEY
    )
    assert_authenticated(response, f"api-key:{API_KEY_HASH[:8]}", "api_key")


# --- Precedence ---------------------------------------------------------------------------


def test_an_invalid_bearer_token_is_rejected_even_with_a_valid_api_key(client):
    response = client.get(PROBE, **bearer("not-a-jwt"), HTTP_X_API_KEY=API_KEY)
    assert_unauthorized(response, "Invalid token")


def test_an_expired_bearer_token_is_rejected_even_with_a_valid_api_key(client):
    token = hs256_token(exp=int(time.time()) - 120)
    response = client.get(PROBE, **bearer(token), HTTP_X_API_KEY=API_KEY)
    assert_unauthorized(response, "Token has expired")


def test_a_valid_bearer_token_wins_over_a_wrong_api_key(client):
    response = client.get(PROBE, **bearer(hs256_token()), HTTP_X_API_KEY="pk_live_guess")
    assert_authenticated(response, "alice", "jwt")


# --- Public routes with auth on -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/health", "/health/", "/api", "/api/", "/openapi.json"])
def test_public_routes_need_no_credentials_with_auth_on(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize("path", ["/", "/health", "/api"])
def test_public_routes_ignore_a_garbage_token_with_auth_on(client, path):
    response = client.get(path, **bearer("garbage"), HTTP_X_API_KEY="wrong")
    assert response.status_code == 200


def test_health_answers_normally_with_auth_on(client):
    body = client.get("/health").json()
    assert body["status"] == "healthy"


# --- Auth off -----------------------------------------------------------------------------


def test_with_auth_off_a_request_without_credentials_is_served(client):
    with override_settings(PARAKEET_AUTH_REQUIRED=False):
        response = client.get(PROBE)
    assert response.status_code == 200
    assert response.json() == {"subject": None, "kind": None, "auth": None}


def test_with_auth_off_a_garbage_token_and_a_wrong_key_are_ignored(client):
    with override_settings(PARAKEET_AUTH_REQUIRED=False):
        response = client.get(PROBE, **bearer("garbage.token.here"), HTTP_X_API_KEY="wrong")
    assert response.status_code == 200
    assert response.json() == {"subject": None, "kind": None, "auth": None}


def test_with_auth_off_an_expired_token_is_ignored(client):
    token = hs256_token(exp=int(time.time()) - 3600)
    with override_settings(PARAKEET_AUTH_REQUIRED=False):
        response = client.get(PROBE, **bearer(token))
    assert response.status_code == 200
