"""Arguments and clients shared by the deploy commands (``deploy``, ``rollback``, ``invoke``...)."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from parakeet.deploy import aws
from parakeet.deploy.config import ConfigFileError, DeployConfig, load_config, validate_stage


def add_stage_argument(parser: ArgumentParser) -> None:
    parser.add_argument("--stage", required=True, help="Stage to act on, e.g. dev or prod.")


def add_aws_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        help="AWS region (default: $AWS_REGION, else the AWS configuration's).",
    )
    parser.add_argument(
        "--endpoint-url",
        default=None,
        help="Send Lambda calls here instead of AWS, e.g. serve_lambda's http://127.0.0.1:9000.",
    )


def deploy_config() -> DeployConfig:
    try:
        return load_config()
    except ConfigFileError as exc:
        raise CommandError(f"functions.json: {exc}") from None


def stage_of(options: dict[str, Any]) -> str:
    try:
        return validate_stage(str(options["stage"]))
    except ConfigFileError as exc:
        raise CommandError(str(exc)) from None


def function_keys(config: DeployConfig, keys: list[str] | None) -> list[str]:
    """The functions named on the command line (validated), else all of them in config order."""
    if not keys:
        return list(config.functions)
    unknown = [k for k in keys if k not in config.functions]
    if unknown:
        known = ", ".join(config.functions)
        raise CommandError(f"unknown function {', '.join(unknown)} (known: {known})")
    return [k for k in config.functions if k in keys]


def clients(options: dict[str, Any]) -> aws.AwsClients:
    return aws.make_clients(region=options.get("region"), endpoint_url=options.get("endpoint_url"))
