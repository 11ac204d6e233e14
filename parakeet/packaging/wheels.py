"""Getting the exact wheels the lock names: from a wheelhouse, a cache, or the index.

Every file is checked against the sha256 in ``uv.lock``, so a wheelhouse can't slip in a
different build. ``--wheelhouse DIR`` means offline: a missing wheel is an error naming the
package. Without it, wheels are downloaded once into the cache directory (by default
``var/wheelhouse/<arch>``) and reused.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from parakeet.packaging.lockfile import Artifact, LockedPackage
from parakeet.packaging.tags import best_wheel
from parakeet.packaging.target import Target

Downloader = Callable[[str, Path], None]


class WheelUnavailable(Exception):
    pass


@dataclass(frozen=True)
class WheelChoice:
    package: LockedPackage
    wheel: Artifact


def choose_wheels(packages: list[LockedPackage], target: Target) -> list[WheelChoice]:
    """The one wheel per package that fits ``target`` (raises ``WheelRejected`` otherwise)."""
    choices = []
    for package in packages:
        by_name = {w.filename: w for w in package.wheels}
        filename = best_wheel(f"{package.name} {package.version}", by_name, target)
        choices.append(WheelChoice(package, by_name[filename]))
    return choices


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path, wheel: Artifact, package: str) -> Path:
    actual = sha256_of(path)
    if wheel.sha256 and actual != wheel.sha256:
        raise WheelUnavailable(
            f"{package}: {path} has sha256 {actual}, but uv.lock says {wheel.sha256}"
        )
    return path


def http_download(url: str, destination: Path) -> None:
    with (
        httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        with destination.open("wb") as handle:
            for chunk in response.iter_bytes(1 << 20):
                handle.write(chunk)


def fetch_wheel(
    choice: WheelChoice,
    *,
    cache_dir: Path,
    wheelhouse: Path | None = None,
    download: Downloader = http_download,
) -> Path:
    """A verified local path for ``choice``'s wheel."""
    package = f"{choice.package.name} {choice.package.version}"
    filename = choice.wheel.filename
    if wheelhouse is not None:
        path = wheelhouse / filename
        if not path.is_file():
            raise WheelUnavailable(
                f"{package}: {filename} is not in the wheelhouse {wheelhouse} (populate it by "
                "running `manage.py package` without --wheelhouse, with network)"
            )
        return verified(path, choice.wheel, package)
    path = cache_dir / filename
    if path.is_file():
        return verified(path, choice.wheel, package)
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=cache_dir, prefix=f".{filename}.", suffix=".part")
    os.close(handle)
    try:
        try:
            download(choice.wheel.url, Path(partial))
        except httpx.HTTPError as exc:
            raise WheelUnavailable(f"{package}: could not download {filename}: {exc}") from None
        verified(Path(partial), choice.wheel, package)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path
