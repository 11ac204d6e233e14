"""Synchronous invokes of a deployed function: raw events and management-command events.

The handler answers a command event with ``{"command", "args", "exit_code", "output", ...}``
(see :mod:`parakeet.lambda_runtime.commands`); :func:`run_remote_command` turns that into a
:class:`CommandOutcome`. ``LogType="Tail"`` brings back the last 4 KB of the invocation's log,
which is what a person needs when the function itself failed (timeout, out of memory).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


@dataclass(frozen=True)
class InvokeResult:
    status_code: int
    payload: Any
    function_error: str | None = None
    log_tail: str = ""
    executed_version: str | None = None

    def payload_text(self) -> str:
        if isinstance(self.payload, str):
            return self.payload
        return json.dumps(self.payload, indent=2, sort_keys=True)


class Invoker(Protocol):
    def invoke(
        self, function_name: str, event: Any, *, qualifier: str | None = None
    ) -> InvokeResult: ...


class LambdaInvoker:
    """``lambda:Invoke``, RequestResponse, with the log tail."""

    def __init__(self, client: LambdaClient) -> None:
        self.client = client

    def invoke(
        self, function_name: str, event: Any, *, qualifier: str | None = None
    ) -> InvokeResult:
        request: dict[str, Any] = {
            "FunctionName": function_name,
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": encode_event(event),
        }
        if qualifier:
            request["Qualifier"] = qualifier
        response = self.client.invoke(**request)
        raw = response["Payload"].read() if "Payload" in response else b""
        return InvokeResult(
            status_code=int(response.get("StatusCode", 0)),
            payload=decode_payload(raw),
            function_error=response.get("FunctionError"),
            log_tail=decode_log_tail(response.get("LogResult")),
            executed_version=response.get("ExecutedVersion"),
        )


def encode_event(event: Any) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def decode_payload(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def decode_log_tail(value: str | None) -> str:
    if not value:
        return ""
    try:
        return base64.b64decode(value).decode("utf-8", "replace")
    except ValueError:
        return ""


# --- management commands by event -------------------------------------------------------------


@dataclass(frozen=True)
class CommandOutcome:
    """What a remote management command did. ``exit_code`` is None when it never ran."""

    command: str
    exit_code: int | None
    output: str
    error: str | None
    result: InvokeResult

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.error is None


def command_event(command: str, args: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    return {"command": command, "args": list(args)}


def run_remote_command(
    invoker: Invoker,
    function_name: str,
    command: str,
    args: list[str] | tuple[str, ...] = (),
    *,
    qualifier: str | None = None,
) -> CommandOutcome:
    result = invoker.invoke(function_name, command_event(command, args), qualifier=qualifier)
    return command_outcome(command, result)


def command_outcome(command: str, result: InvokeResult) -> CommandOutcome:
    payload = result.payload
    if result.function_error:
        return CommandOutcome(
            command=command,
            exit_code=None,
            output=_error_output(result),
            error=f"the function failed ({result.function_error})",
            result=result,
        )
    if not isinstance(payload, Mapping) or not isinstance(payload.get("exit_code"), int):
        return CommandOutcome(
            command=command,
            exit_code=None,
            output=_error_output(result),
            error="the function did not answer with a command result (no exit_code)",
            result=result,
        )
    error = payload.get("error")
    return CommandOutcome(
        command=command,
        exit_code=int(payload["exit_code"]),
        output=str(payload.get("output") or ""),
        error=str(error) if error else None,
        result=result,
    )


def _error_output(result: InvokeResult) -> str:
    parts = [result.payload_text()] if result.payload is not None else []
    if result.log_tail:
        parts.append("--- log tail ---\n" + result.log_tail)
    return "\n".join(parts)
