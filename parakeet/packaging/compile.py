"""Byte-compiling the artifact for the target Python, reproducibly.

``unchecked-hash`` pycs hold no timestamps and are never re-validated (Lambda's code is
read-only, so it could not write fresh ones anyway). One process compiles every file in
sorted order, so marshal's output is the same from run to run. Source paths are rewritten to
``/var/task`` (where Lambda unpacks the code) so no host path lands in the artifact, and a
fixed ``PYTHONHASHSEED`` keeps set/frozenset constants in a stable order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from parakeet.packaging.target import Target

LAMBDA_TASK_ROOT = "/var/task"


@dataclass(frozen=True)
class CompileResult:
    compiled: bool
    note: str
    interpreter: str | None = None


def find_interpreter(target: Target) -> str | None:
    """An interpreter of the target's version: this one, or ``python3.12`` on PATH."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == target.python:
        return sys.executable
    return shutil.which(f"python{target.python}")


def compile_tree(root: Path, target: Target, *, interpreter: str | None = None) -> CompileResult:
    python = interpreter or find_interpreter(target)
    if python is None:
        return CompileResult(
            compiled=False,
            note=(
                f"not byte-compiled: no Python {target.python} here (the host runs "
                f"{sys.version_info.major}.{sys.version_info.minor}); Lambda will compile "
                "modules in memory on each cold start"
            ),
        )
    command = [
        python,
        "-m",
        "compileall",
        "-q",
        # One process: with a pool, which worker compiles which file varies, and marshal's
        # output depends on the objects a process already holds (refcount-driven FLAG_REF).
        "-j",
        "1",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(root),
        "-p",
        LAMBDA_TASK_ROOT,
        str(root),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": ""}
    completed = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        # compileall exits 1 when a file fails (e.g. Python 2 syntax in a vendored test file).
        failures = (completed.stdout + completed.stderr).strip().splitlines()[-5:]
        return CompileResult(
            compiled=True,
            note="byte-compiled with errors in some files: " + " | ".join(failures),
            interpreter=python,
        )
    return CompileResult(compiled=True, note="byte-compiled (unchecked-hash)", interpreter=python)
