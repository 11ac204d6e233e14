"""Management commands run by event: ``{"command": "migrate", "args": ["--no-input"]}``.

Only allow-listed commands run (``settings.PARAKEET_LAMBDA_COMMANDS``, else
:data:`DEFAULT_COMMANDS`). Arguments are a list handed to ``call_command`` as they are: never
split on spaces. Everything the command prints (its ``stdout``/``stderr`` and stray ``print``)
is captured; the last :data:`OUTPUT_LIMIT_BYTES` come back with the exit code.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import time
import traceback
from collections import deque
from typing import Any, TextIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from parakeet.lambda_runtime.allowlist import DEFAULT_COMMANDS
from parakeet.observability.redaction import redact

logger = logging.getLogger("parakeet.lambda")

OUTPUT_LIMIT_BYTES = 256 * 1024
EXIT_REFUSED = 2


class TailBuffer(io.TextIOBase):
    """A text stream that keeps only the last ``limit`` bytes (UTF-8) written to it.

    Whatever is written is also echoed to ``echo`` (CloudWatch gets the full output), with
    secrets masked as in every log line (:func:`parakeet.observability.redaction.redact`).
    """

    def __init__(self, limit: int = OUTPUT_LIMIT_BYTES, echo: TextIO | None = None) -> None:
        self.limit = limit
        self.echo = echo
        self.truncated = False
        self._chunks: deque[str] = deque()
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not text:
            return 0
        if self.echo is not None:
            with contextlib.suppress(Exception):
                self.echo.write(redact(text))
        self._chunks.append(text)
        self._size += len(text.encode("utf-8", "replace"))
        while self._size > self.limit and len(self._chunks) > 1:
            dropped = self._chunks.popleft()
            self._size -= len(dropped.encode("utf-8", "replace"))
            self.truncated = True
        return len(text)

    def getvalue(self) -> str:
        data = "".join(self._chunks).encode("utf-8", "replace")
        if len(data) > self.limit:
            self.truncated = True
            data = data[-self.limit :]
        return data.decode("utf-8", "ignore")


def allowed_commands() -> frozenset[str]:
    return frozenset(getattr(settings, "PARAKEET_LAMBDA_COMMANDS", DEFAULT_COMMANDS))


def refused(name: object, reason: str) -> dict[str, Any]:
    logger.warning("Refused command event %r: %s", name, reason)
    return {"command": name, "exit_code": EXIT_REFUSED, "output": "", "error": reason}


def run_command_event(event: dict[str, Any]) -> dict[str, Any]:
    """Validate a command event, then run it (or refuse it with exit code 2)."""
    name = event.get("command")
    args = event.get("args", [])
    if not isinstance(name, str) or not name:
        return refused(name, "`command` must be a non-empty string")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return refused(name, "`args` must be a list of strings")
    if name not in allowed_commands():
        allowed = ", ".join(sorted(allowed_commands()))
        return refused(name, f"command {name!r} is not allowed by event (allowed: {allowed})")
    return run_command(name, args)


def run_command(name: str, args: list[str]) -> dict[str, Any]:
    """Run one management command, capturing its output; never raises."""
    output = TailBuffer(echo=sys.stdout)
    started = time.monotonic()
    exit_code = 0
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            call_command(name, *args, stdout=output, stderr=output)
    except CommandError as exc:
        exit_code = exc.returncode or 1
        output.write(f"CommandError: {exc}\n")
    except SystemExit as exc:
        exit_code, message = _exit_code(exc.code)
        if message:
            output.write(message + "\n")
    except Exception:
        exit_code = 1
        output.write(traceback.format_exc())
        logger.exception("Command %s failed", name)
    duration_ms = round((time.monotonic() - started) * 1000)
    logger.info("Command %s %s exited %d in %d ms", name, args, exit_code, duration_ms)
    return {
        "command": name,
        "args": args,
        "exit_code": exit_code,
        "output": output.getvalue(),
        "output_truncated": output.truncated,
        "duration_ms": duration_ms,
    }


def _exit_code(code: object) -> tuple[int, str]:
    """``SystemExit.code`` as a process would report it: None -> 0, int -> itself, else 1."""
    if code is None:
        return 0, ""
    if isinstance(code, int):
        return code, ""
    return 1, str(code)
