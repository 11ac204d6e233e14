"""Running the ingest command in tests, and pointing the Parquet cache at a temporary dir."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_ingest_command(*args: str, stderr: io.StringIO | None = None) -> CommandResult:
    """``manage.py ingest *args`` in process: the exit code a shell would see, and output.

    ``stderr`` replaces the progress stream (a :class:`TerminalStream` to look like a TTY).
    """
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    except CommandError as exc:
        code = exc.returncode
        err.write(f"CommandError: {exc}\n")
    return CommandResult(code, out.getvalue(), err.getvalue())


class TerminalStream(io.StringIO):
    """An in-memory stream that says it is a terminal, so the command draws its progress bar."""

    def isatty(self) -> bool:
        return True


def local_cache_storage(location: Path) -> dict[str, Any]:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "allow_overwrite": True},
    }
