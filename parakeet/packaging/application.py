"""The project's own code and collected static files, copied into the artifact root."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from parakeet.packaging.prune import is_bytecode

PROJECT_PACKAGES = ("parakeet", "trades", "market", "ingest", "strategies", "scanner")
PROJECT_FILES = ("manage.py",)
STATIC_DIR = "staticfiles"
_LEFT_OUT_DIRS = frozenset({"tests", "__pycache__"})


def application_files(base_dir: Path, packages: Iterable[str] = PROJECT_PACKAGES) -> list[Path]:
    """The project files to ship, relative to ``base_dir``: packages (without tests) and
    ``manage.py``; missing packages are skipped."""
    files: list[Path] = []
    for package in packages:
        directory = base_dir / package
        if not (directory / "__init__.py").is_file():
            continue
        for path in directory.rglob("*"):
            relative = path.relative_to(base_dir)
            if path.is_dir() or _LEFT_OUT_DIRS & set(relative.parts[:-1]):
                continue
            if is_bytecode(relative.parts):
                continue
            files.append(relative)
    files += [Path(name) for name in PROJECT_FILES if (base_dir / name).is_file()]
    return sorted(files)


def static_files(static_root: Path) -> list[Path]:
    if not static_root.is_dir():
        return []
    return sorted(p.relative_to(static_root) for p in static_root.rglob("*") if p.is_file())


def copy_files(source_root: Path, files: Iterable[Path], destination_root: Path) -> int:
    """Copy ``files`` (relative paths) content-only (no timestamps); returns bytes copied."""
    total = 0
    for relative in files:
        source, destination = source_root / relative, destination_root / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        destination.chmod(0o755 if source.stat().st_mode & 0o111 else 0o644)
        total += destination.stat().st_size
    return total


def copy_application(base_dir: Path, static_root: Path | None, root: Path) -> dict[str, int]:
    """Copy the project's packages and collected static files into ``root``."""
    copied = {"application": copy_files(base_dir, application_files(base_dir), root)}
    if static_root is not None:
        copied["staticfiles"] = copy_files(
            static_root, static_files(static_root), root / STATIC_DIR
        )
    return copied
