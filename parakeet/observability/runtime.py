"""Where we run: on Lambda (``AWS_LAMBDA_FUNCTION_NAME`` is set) or not."""

from __future__ import annotations

import os

DEFAULT_SERVICE = "parakeet"


def on_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def function_name() -> str:
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")


def service_name() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE
