"""``manage.py mint_token`` mints dev tokens the origin accepts."""

from __future__ import annotations

import io
import time

import jwt
import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from parakeet.tests.auth_support import (
    AUDIENCE,
    ISSUER,
    PROBE,
    SECRET,
    assert_authenticated,
    assert_unauthorized,
    auth_on,
    bearer,
)


def mint(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("mint_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_a_minted_token_carries_the_configured_issuer_and_audience():
    with auth_on():
        token, err = mint()
    payload = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert payload["sub"] == "dev"
    assert 3590 <= payload["exp"] - time.time() <= 3600
    assert payload["iat"] <= time.time()
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert err == ""


def test_the_subject_lifetime_issuer_and_audience_can_be_chosen():
    with auth_on():
        token, _ = mint(
            "--subject", "ci-bot", "--minutes", "5", "--issuer", "other-iss", "--audience", "other"
        )
    payload = jwt.decode(token, SECRET, algorithms=["HS256"], audience="other", issuer="other-iss")
    assert payload["sub"] == "ci-bot"
    assert 290 <= payload["exp"] - time.time() <= 300


@pytest.mark.urls("parakeet.tests.auth_urls")
def test_the_origin_accepts_a_minted_token():
    with auth_on():
        token, _ = mint("--subject", "dave")
        assert_authenticated(APIClient().get(PROBE, **bearer(token)), "dave", "jwt")


@pytest.mark.urls("parakeet.tests.auth_urls")
def test_a_token_minted_for_another_audience_is_rejected_by_the_origin():
    with auth_on():
        token, _ = mint("--audience", "someone-else")
        assert_unauthorized(APIClient().get(PROBE, **bearer(token)), "Invalid token")


def test_claims_are_omitted_when_issuer_and_audience_are_unset():
    with auth_on(PARAKEET_JWT_ISSUER="", PARAKEET_JWT_AUDIENCE=""):
        token, _ = mint()
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert "iss" not in payload
    assert "aud" not in payload


def test_minting_without_a_secret_is_refused_clearly():
    with auth_on(PARAKEET_JWT_SECRET=""), pytest.raises(CommandError, match="PARAKEET_JWT_SECRET"):
        mint()


@pytest.mark.parametrize("minutes", ["0", "-5"])
def test_a_non_positive_lifetime_is_refused(minutes):
    with auth_on(), pytest.raises(CommandError, match="--minutes must be a positive number"):
        mint("--minutes", minutes)


def test_a_warning_goes_to_stderr_when_the_server_does_not_allow_hs256():
    with auth_on(PARAKEET_JWT_ALGORITHMS=["RS256"]):
        token, err = mint()
    assert token.count(".") == 2
    assert "does not allow HS256" in err
