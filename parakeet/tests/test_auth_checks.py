"""System checks catch auth misconfigurations before a deploy does."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.checks import Tags, run_checks
from django.test import override_settings

from parakeet.auth.checks import check_auth_settings
from parakeet.tests.auth_support import auth_on, public_pem


def ids() -> list[str]:
    return [message.id or "" for message in check_auth_settings()]


def test_a_complete_hs256_configuration_passes():
    with auth_on(PARAKEET_API_KEY_HASHES=[hashlib.sha256(b"k").hexdigest()]):
        assert ids() == []


def test_the_local_defaults_pass():
    assert ids() == []


@pytest.mark.parametrize("algorithms", [["none"], ["HS256", "HS257"], ["hs256"]])
def test_unknown_or_none_algorithms_are_an_error(algorithms):
    with auth_on(PARAKEET_JWT_ALGORITHMS=algorithms):
        assert "parakeet.auth.E001" in ids()


def test_an_api_key_hash_that_is_not_a_sha256_digest_is_an_error():
    with override_settings(PARAKEET_API_KEY_HASHES=["my-plain-key"]):
        assert ids() == ["parakeet.auth.E002"]


def test_a_public_key_that_does_not_load_is_an_error():
    with override_settings(PARAKEET_JWT_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----\nnope"):
        assert ids() == ["parakeet.auth.E003"]


def test_an_algorithm_without_a_key_is_a_warning_when_auth_is_on():
    pem = public_pem(ec.generate_private_key(ec.SECP256R1()))
    with auth_on(PARAKEET_JWT_ALGORITHMS=["ES256", "HS256"], PARAKEET_JWT_SECRET=""):
        assert ids() == ["parakeet.auth.W001"]
    with auth_on(PARAKEET_JWT_ALGORITHMS=["ES256"], PARAKEET_JWT_PUBLIC_KEY=pem):
        assert ids() == []


def test_a_plain_http_jwks_url_is_a_warning_outside_debug():
    with auth_on(
        PARAKEET_JWT_ALGORITHMS=["RS256"],
        PARAKEET_JWKS_URL="http://idp.example/jwks.json",
        DEBUG=False,
    ):
        assert ids() == ["parakeet.auth.W002"]


def test_the_checks_are_registered_with_django():
    with override_settings(PARAKEET_JWT_ALGORITHMS=["none"]):
        found = [message.id for message in run_checks(tags=[Tags.security])]
    assert "parakeet.auth.E001" in found
