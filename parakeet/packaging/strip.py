"""Stripping symbol tables from shared libraries (``--strip-unneeded``: dynamic symbols stay).

Manylinux wheels often ship unstripped libraries (pyarrow's ``libarrow`` alone carries 10 MB of
symbols); stripping is what keeps the ``data`` artifact well under Lambda's 250 MB. It needs a
strip tool for the target architecture: ``llvm-strip`` handles both, else
``<arch>-linux-gnu-strip``, else the host's ``strip`` when host and target match. Without one
the step is skipped with a note. The tool and its version go in the manifest: they are build
inputs like the wheels.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from parakeet.packaging.elf import is_elf
from parakeet.packaging.target import Target

_BATCH = 64


@dataclass(frozen=True)
class StripResult:
    stripped: bool
    note: str
    files: int = 0
    bytes_saved: int = 0
    tool: str | None = None


def find_strip_tool(target: Target) -> str | None:
    candidates = ["llvm-strip", f"{target.machine}-linux-gnu-strip"]
    if platform.machine() == target.machine:
        candidates.append("strip")
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def tool_version(tool: str) -> str:
    completed = subprocess.run(  # noqa: S603
        [tool, "--version"], capture_output=True, text=True, check=False
    )
    lines = [line.strip() for line in (completed.stdout or completed.stderr).splitlines()]
    versioned = [line for line in lines if "version" in line.lower()]
    return (versioned or lines or ["unknown version"])[0]


def shared_libraries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.so*") if p.is_file() and is_elf(p))


def strip_tree(root: Path, target: Target, *, tool: str | None = None) -> StripResult:
    tool = tool or find_strip_tool(target)
    if tool is None:
        return StripResult(
            stripped=False,
            note=f"not stripped: no llvm-strip or {target.machine}-linux-gnu-strip found",
        )
    libraries = shared_libraries(root)
    before = sum(p.stat().st_size for p in libraries)
    for start in range(0, len(libraries), _BATCH):
        batch = [str(p) for p in libraries[start : start + _BATCH]]
        completed = subprocess.run(  # noqa: S603
            [tool, "--strip-unneeded", *batch], capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{tool} failed: {completed.stderr.strip()[:500]}")
    saved = before - sum(p.stat().st_size for p in libraries)
    version = tool_version(tool)
    return StripResult(
        stripped=True,
        note=f"stripped {len(libraries)} shared libraries with {Path(tool).name} ({version})",
        files=len(libraries),
        bytes_saved=saved,
        tool=version,
    )
