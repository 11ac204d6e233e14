"""The manifest: what is in an artifact, byte for byte, and why it is the size it is.

No timestamps and no host paths, so the same inputs give the same manifest too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parakeet.packaging.archive import archive_entries
from parakeet.packaging.prune import PruneReport
from parakeet.packaging.strip import StripResult


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    sha256: str


def file_entries(root: Path) -> list[FileEntry]:
    return [
        FileEntry(name, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
        for name, path in archive_entries(root)
    ]


def package_of(path: str) -> str:
    """The top-level name a file belongs to: ``numpy.libs/x.so`` and
    ``numpy-2.1.dist-info/RECORD`` count as ``numpy``."""
    top = path.split("/", 1)[0]
    if "/" not in path:
        return top.removesuffix(".py") if top.endswith(".py") else top
    if top.endswith(".dist-info"):
        return top.split("-", 1)[0].lower()
    return top.removesuffix(".libs").lower()


def sizes_by_package(files: list[FileEntry]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for entry in files:
        name = package_of(entry.path)
        sizes[name] = sizes.get(name, 0) + entry.size
    return dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))


def artifact_name(profile: str, arch: str, python: str, content_sha256: str) -> str:
    return f"parakeet-{profile}-{arch}-py{python.replace('.', '')}-{content_sha256[:16]}.zip"


def build_manifest(
    *,
    profile: str,
    arch: str,
    python: str,
    dependencies: Mapping[str, str],
    wheels: Mapping[str, str],
    files: list[FileEntry],
    prune_report: PruneReport,
    compile_note: str,
    strip: StripResult | None = None,
    artifact: str | None = None,
    zip_sha256: str | None = None,
    zipped_bytes: int | None = None,
) -> dict[str, Any]:
    return {
        "artifact": artifact,
        "profile": profile,
        "arch": arch,
        "python": python,
        "sha256": zip_sha256,
        "unzipped_bytes": sum(f.size for f in files),
        "zipped_bytes": zipped_bytes,
        "file_count": len(files),
        "compile": compile_note,
        "strip": {
            "note": strip.note if strip else "not stripped",
            "files": strip.files if strip else 0,
            "bytes_saved": strip.bytes_saved if strip else 0,
        },
        "dependencies": dict(sorted(dependencies.items())),
        "wheels": dict(sorted(wheels.items())),
        "pruning": {
            "total_files": prune_report.files,
            "total_bytes": prune_report.bytes,
            "rules": {
                name: {"files": s.files, "bytes": s.bytes} for name, s in prune_report.rules.items()
            },
            "pyarrow_components_removed": prune_report.pyarrow_removed,
            "pyarrow_components_kept": prune_report.pyarrow_kept,
        },
        "packages": sizes_by_package(files),
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files],
    }


def write_manifest(manifest: Mapping[str, Any], destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
