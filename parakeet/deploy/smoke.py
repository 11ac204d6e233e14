"""Step ``smoke``: the new version of each API function must answer ``GET /health`` with 200.

The event carries a ``Host`` the function accepts: the first entry of the version's own
``ALLOWED_HOSTS`` environment variable (a leading-dot domain loses its dot), unless one is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from parakeet.deploy.errors import DeployError
from parakeet.deploy.http_events import health_event
from parakeet.deploy.remote import Invoker, InvokeResult

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

DEFAULT_HOST = "localhost"


def host_from_environment(variables: Mapping[str, str]) -> str:
    for entry in variables.get("ALLOWED_HOSTS", "").split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*" and "*" not in host:
            return host
    return DEFAULT_HOST


def smoke_host(client: LambdaClient, function_name: str, version: str) -> str:
    config = client.get_function_configuration(FunctionName=function_name, Qualifier=version)
    variables = dict(config.get("Environment", {}).get("Variables", {}))
    return host_from_environment(variables)


def check_health(
    invoker: Invoker, function_name: str, version: str, *, path: str, host: str
) -> InvokeResult:
    try:
        result = invoker.invoke(function_name, health_event(path, host), qualifier=version)
    except Exception as exc:
        raise DeployError(
            "smoke", f"invoking {function_name}:{version} failed: {type(exc).__name__}: {exc}"
        ) from exc
    status = _status(result.payload)
    if result.function_error or status != 200:
        why = (
            f"the function failed ({result.function_error})"
            if result.function_error
            else f"answered {status if status is not None else 'no HTTP response'}"
        )
        raise DeployError(
            "smoke",
            f"GET {path} (Host: {host}) on {function_name}:{version} {why}, expected 200",
            output=_describe(result),
        )
    return result


def _status(payload: Any) -> int | None:
    if isinstance(payload, Mapping) and isinstance(payload.get("statusCode"), int):
        return int(payload["statusCode"])
    return None


def _describe(result: InvokeResult) -> str:
    payload = result.payload
    if isinstance(payload, Mapping) and "body" in payload:
        text = f"body: {payload.get('body')}"
    else:
        text = json.dumps(payload, indent=2, default=str)
    if result.log_tail:
        text += "\n--- log tail ---\n" + result.log_tail
    return text
