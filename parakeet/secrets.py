"""Settings values from one JSON secret in AWS Secrets Manager (``PARAKEET_SECRETS_ARN``)."""

from __future__ import annotations

import os

from parakeet.env import ConfigError, env_int

REQUIRED_SECRET_KEYS = ("DATABASE_URL", "DJANGO_SECRET_KEY")
NOT_A_JSON_OBJECT = "PARAKEET_SECRETS_ARN: the secret is not a JSON object."


def load_secret_values(arn: str) -> dict[str, str]:
    from aws_lambda_powertools.utilities import parameters

    max_age = env_int("PARAKEET_SECRETS_MAX_AGE", 300)
    try:
        raw = parameters.get_secret(arn, transform="json", max_age=max_age)
    except parameters.exceptions.GetParameterError as exc:
        reason = type(exc.__cause__ or exc.__context__ or exc).__name__
        raise ConfigError(
            f"PARAKEET_SECRETS_ARN: the secret could not be read ({reason})."
        ) from None
    except parameters.exceptions.TransformParameterError:
        raise ConfigError(NOT_A_JSON_OBJECT) from None
    if not isinstance(raw, dict):
        raise ConfigError(NOT_A_JSON_OBJECT)
    values = {str(k): str(v) for k, v in raw.items() if v is not None}
    for key in REQUIRED_SECRET_KEYS:
        if key not in values and key not in os.environ:
            raise ConfigError(f"PARAKEET_SECRETS_ARN: the secret has no key {key}.")
    return values
