"""Settings from the JSON secret in Secrets Manager (moto), through Powertools Parameters."""

from __future__ import annotations

import json
import os
import runpy
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from parakeet.env import ConfigError, load_secrets_into_environ

REGION = "ap-southeast-2"
SECRET_NAME = "parakeet/dev/app"
FULL_SECRET = {
    "DATABASE_URL": "postgres://app:pooled-pass@ep-x-pooler.ap-southeast-2.aws.neon.tech/parakeet"
    "?sslmode=require",
    "DATABASE_DIRECT_URL": "postgres://app:direct-pass@ep-x.ap-southeast-2.aws.neon.tech/parakeet"
    "?sslmode=require",
    "DJANGO_SECRET_KEY": "s3cr3t-" + "x7Kq9" * 10,
    "TIINGO_API_KEY": "tiingo-key-123",
    "PARAKEET_JWT_SECRET": "jwt-secret-456",
    "PARAKEET_ORIGIN_SECRET": "origin-secret-789",
    "PARAKEET_API_KEY_HASHES": "a" * 64 + "," + "B" * 64,
}
SETTINGS_ENV = (
    "PARAKEET_SECRETS_ARN",
    "PARAKEET_SECRETS_MAX_AGE",
    *FULL_SECRET,
)


@pytest.fixture
def environ() -> Iterator[dict[str, str]]:
    """os.environ as the test leaves it is put back afterwards; secret keys start unset."""
    with mock.patch.dict(os.environ):
        for key in SETTINGS_ENV:
            os.environ.pop(key, None)
        os.environ.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_SESSION_TOKEN="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
        )
        yield os.environ  # type: ignore[misc]


@pytest.fixture
def secrets_manager(environ) -> Iterator[Any]:
    parameters.clear_caches()
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)
    parameters.clear_caches()


def create_secret(client: Any, value: Any, name: str = SECRET_NAME) -> str:
    body = value if isinstance(value, str) else json.dumps(value)
    return str(client.create_secret(Name=name, SecretString=body)["ARN"])


def test_without_an_arn_nothing_is_read(environ):
    with mock.patch.object(parameters, "get_secret", side_effect=AssertionError("no call")):
        load_secrets_into_environ()

    assert "DATABASE_URL" not in environ


def test_a_full_secret_populates_the_environment(secrets_manager, environ):
    environ["PARAKEET_SECRETS_ARN"] = create_secret(secrets_manager, FULL_SECRET)

    load_secrets_into_environ()

    assert {key: environ[key] for key in FULL_SECRET} == FULL_SECRET


def test_the_secret_can_be_named_instead_of_given_by_arn(secrets_manager, environ):
    create_secret(secrets_manager, FULL_SECRET)
    environ["PARAKEET_SECRETS_ARN"] = SECRET_NAME

    load_secrets_into_environ()

    assert environ["TIINGO_API_KEY"] == "tiingo-key-123"


def test_environment_variables_override_secret_values(secrets_manager, environ):
    environ["PARAKEET_SECRETS_ARN"] = create_secret(secrets_manager, FULL_SECRET)
    environ["TIINGO_API_KEY"] = "from-the-environment"
    environ["DATABASE_URL"] = "sqlite:///override.sqlite3"

    load_secrets_into_environ()

    assert environ["TIINGO_API_KEY"] == "from-the-environment"
    assert environ["DATABASE_URL"] == "sqlite:///override.sqlite3"
    assert environ["PARAKEET_JWT_SECRET"] == "jwt-secret-456"


def test_a_full_secret_configures_the_settings_module(secrets_manager, environ):
    environ["PARAKEET_SECRETS_ARN"] = create_secret(secrets_manager, FULL_SECRET)
    environ["DJANGO_DEBUG"] = "false"
    environ["ALLOWED_HOSTS"] = "api.parakeet.example"
    environ["PARAKEET_AUTH_REQUIRED"] = "true"
    environ["PARAKEET_JWT_ISSUER"] = "https://auth.parakeet.example"
    environ["PARAKEET_JWT_AUDIENCE"] = "parakeet-api"

    # A fresh execution of the settings module (the loaded one is left alone).
    import parakeet.settings

    namespace = runpy.run_path(parakeet.settings.__file__, run_name="settings_under_test")

    assert namespace["SECRET_KEY"] == FULL_SECRET["DJANGO_SECRET_KEY"]
    assert namespace["DEBUG"] is False
    database = namespace["DATABASES"]["default"]
    assert database["HOST"] == "ep-x-pooler.ap-southeast-2.aws.neon.tech"
    assert database["PASSWORD"] == "pooled-pass"
    assert database["OPTIONS"]["sslmode"] == "require"
    assert namespace["DATABASE_DIRECT_URL"] == FULL_SECRET["DATABASE_DIRECT_URL"]
    assert namespace["TIINGO_API_KEY"] == "tiingo-key-123"
    assert namespace["PARAKEET_JWT_SECRET"] == "jwt-secret-456"
    assert namespace["PARAKEET_ORIGIN_SECRET"] == "origin-secret-789"
    assert namespace["PARAKEET_API_KEY_HASHES"] == ["a" * 64, "b" * 64]


def test_a_missing_secret_fails_with_one_message_naming_it(secrets_manager, environ):
    environ["PARAKEET_SECRETS_ARN"] = "parakeet/dev/missing"

    with pytest.raises(ConfigError) as caught:
        load_secrets_into_environ()

    message = str(caught.value)
    assert message.startswith("PARAKEET_SECRETS_ARN: the secret could not be read (")
    assert message.endswith(").")
    assert "\n" not in message


def test_a_missing_required_key_fails_naming_it(secrets_manager, environ):
    secret = {k: v for k, v in FULL_SECRET.items() if k != "DJANGO_SECRET_KEY"}
    environ["PARAKEET_SECRETS_ARN"] = create_secret(secrets_manager, secret)

    with pytest.raises(ConfigError) as caught:
        load_secrets_into_environ()

    assert str(caught.value) == "PARAKEET_SECRETS_ARN: the secret has no key DJANGO_SECRET_KEY."
    assert "DATABASE_URL" not in environ  # nothing half-applied


def test_a_required_key_may_come_from_the_environment_instead(secrets_manager, environ):
    secret = {k: v for k, v in FULL_SECRET.items() if k != "DATABASE_URL"}
    environ["PARAKEET_SECRETS_ARN"] = create_secret(secrets_manager, secret)
    environ["DATABASE_URL"] = "sqlite:///local.sqlite3"

    load_secrets_into_environ()

    assert environ["DJANGO_SECRET_KEY"] == FULL_SECRET["DJANGO_SECRET_KEY"]


@pytest.mark.parametrize("body", ["not json at all", '["a", "list"]'])
def test_a_secret_that_is_not_a_json_object_is_refused(secrets_manager, environ, body):
    environ["PARAKEET_SECRETS_ARN"] = create_secret(secrets_manager, body)

    with pytest.raises(ConfigError, match="the secret is not a JSON object"):
        load_secrets_into_environ()


def test_values_are_cached_until_the_caches_are_cleared(secrets_manager, environ):
    arn = create_secret(secrets_manager, FULL_SECRET)
    environ["PARAKEET_SECRETS_ARN"] = arn
    load_secrets_into_environ()
    secrets_manager.put_secret_value(
        SecretId=arn, SecretString=json.dumps({**FULL_SECRET, "TIINGO_API_KEY": "rotated"})
    )
    del environ["TIINGO_API_KEY"]

    load_secrets_into_environ()
    assert environ["TIINGO_API_KEY"] == "tiingo-key-123"  # cached (max age 300 s)

    parameters.clear_caches()
    del environ["TIINGO_API_KEY"]
    load_secrets_into_environ()
    assert environ["TIINGO_API_KEY"] == "rotated"
