"""Unpacking a wheel into the artifact's root, as an installer would (no scripts, no headers).

Lambda puts the artifact root on ``sys.path``, so purelib and platlib both land there.
``.data/scripts``, ``.data/headers`` and ``.data/data`` are left out: nothing runs them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

_DATA_LIBS = ("purelib", "platlib")


class UnsafeWheel(Exception):
    pass


def install_wheel(wheel: Path, root: Path) -> list[str]:
    """Extract ``wheel`` into ``root``; returns the installed relative paths, sorted."""
    installed: list[str] = []
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            relative = _destination(info.filename)
            if relative is None:
                continue
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            mode = (info.external_attr >> 16) & 0o777
            target.chmod(0o755 if mode & 0o111 else 0o644)
            installed.append(relative.as_posix())
    return sorted(installed)


def _destination(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise UnsafeWheel(f"refusing to install {name!r}: it escapes the target directory")
    first = path.parts[0]
    if first.endswith(".data"):
        if len(path.parts) > 2 and path.parts[1] in _DATA_LIBS:
            return PurePosixPath(*path.parts[2:])
        return None
    return path
