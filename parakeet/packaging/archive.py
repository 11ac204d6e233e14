"""A byte-reproducible zip: same files in, same bytes out, whatever the host or the clock.

Entries are sorted, every timestamp is 1980-01-01 00:00, permissions are 0644 (0755 for
executables), there are no directory entries, and names are relative POSIX paths.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6


def archive_entries(root: Path) -> list[tuple[str, Path]]:
    files = (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return sorted((p.relative_to(root).as_posix(), p) for p in files)


def write_zip(root: Path, destination: Path) -> str:
    """Zip ``root`` into ``destination``; returns the zip's sha256."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w") as archive:
        for name, path in archive_entries(root):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permission bits below are honoured
            mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, path.read_bytes(), compresslevel=COMPRESS_LEVEL)
    return file_sha256(destination)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
