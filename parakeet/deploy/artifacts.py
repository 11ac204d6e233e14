"""Step ``build``: the zip artifacts to deploy, one per package profile (``slim``, ``data``).

Either built here by the packaging code (``manage.py package``'s build step) or given on the
command line as ``--artifact PATH`` / ``--artifact slim=PATH``. An artifact is identified by
the SHA-256 of its bytes: reproducible builds give the same hash, hence the same S3 key, so an
unchanged artifact is never uploaded twice.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parakeet.deploy.config import PACKAGES
from parakeet.deploy.errors import DeployError

CHUNK_BYTES = 1024 * 1024
_TOKENS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Artifact:
    package: str
    path: Path
    sha256: str
    size: int

    def key(self, prefix: str) -> str:
        """The S3 key: content-addressed, so the same bytes always land on the same key."""
        return f"{prefix}{self.package}/{self.sha256}.zip"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def artifact_at(path: Path, package: str) -> Artifact:
    if package not in PACKAGES:
        raise DeployError("build", f"unknown package {package!r} (expected slim or data)")
    if not path.is_file():
        raise DeployError("build", f"artifact {path} does not exist")
    return Artifact(package=package, path=path, sha256=sha256_file(path), size=path.stat().st_size)


def package_from_name(path: Path) -> str | None:
    """``slim`` or ``data`` when exactly one of them is a word of the file name."""
    words = set(_TOKENS.split(path.name.lower()))
    found = [p for p in PACKAGES if p in words]
    return found[0] if len(found) == 1 else None


def parse_artifact_arg(value: str) -> Artifact:
    """``slim=dist/a.zip`` or ``dist/parakeet-slim-1a2b.zip`` (package read from the name)."""
    package, sep, raw_path = value.partition("=")
    if sep and package in PACKAGES:
        return artifact_at(Path(raw_path), package)
    path = Path(value)
    inferred = package_from_name(path)
    if inferred is None:
        raise DeployError(
            "build",
            f"cannot tell whether {value!r} is the slim or the data artifact: "
            "pass it as slim=PATH or data=PATH",
        )
    return artifact_at(path, inferred)


def collect(artifacts: Iterable[Artifact], needed: list[str]) -> dict[str, Artifact]:
    """One artifact per needed package; a missing or doubled package is an error."""
    by_package: dict[str, Artifact] = {}
    for artifact in artifacts:
        if artifact.package in by_package:
            raise DeployError("build", f"two artifacts given for the {artifact.package} package")
        by_package[artifact.package] = artifact
    missing = [p for p in needed if p not in by_package]
    if missing:
        raise DeployError(
            "build", f"no artifact for the {', '.join(missing)} package (needed: {needed})"
        )
    return {p: by_package[p] for p in needed}


# --- building through the packaging code ------------------------------------------------------

BUILD_MODULE = "parakeet.packaging.build"
BUILD_FUNCTIONS = ("build_artifacts", "build_artifact", "build")


def find_builder() -> Any | None:
    """The packaging build function, or None when packaging is not available."""
    try:
        module = importlib.import_module(BUILD_MODULE)
    except ImportError:
        return None
    for name in BUILD_FUNCTIONS:
        candidate = getattr(module, name, None)
        if callable(candidate):
            return candidate
    return None


def build(packages: list[str], *, out_dir: Path, architecture: str) -> list[Artifact]:
    """Build each package with the packaging code and return the zips it wrote."""
    builder = find_builder()
    if builder is None:
        raise DeployError(
            "build",
            f"no build function in {BUILD_MODULE}: build with `manage.py package` and pass "
            "--artifact PATH (or --skip-build --artifact PATH)",
        )
    artifacts: list[Artifact] = []
    for package in packages:
        try:
            produced = _call_builder(builder, package, out_dir=out_dir, architecture=architecture)
        except DeployError:
            raise
        except Exception as exc:
            raise DeployError("build", f"building the {package} artifact failed: {exc}") from exc
        artifacts.append(artifact_at(produced, package))
    return artifacts


def _call_builder(builder: Any, package: str, *, out_dir: Path, architecture: str) -> Path:
    """Call the builder with the keyword arguments it accepts; return the zip path."""
    accepted = inspect.signature(builder).parameters
    offered: dict[str, Any] = {
        "profile": package,
        "package": package,
        "out_dir": out_dir,
        "output_dir": out_dir,
        "dist_dir": out_dir,
        "arch": architecture,
        "architecture": architecture,
    }
    kwargs = {name: value for name, value in offered.items() if name in accepted}
    result = builder(**kwargs)
    return _zip_path(result)


def _zip_path(result: Any) -> Path:
    if isinstance(result, str | Path):
        return Path(result)
    for attribute in ("zip_path", "artifact", "path", "zip"):
        value = getattr(result, attribute, None)
        if isinstance(value, str | Path):
            return Path(value)
    raise DeployError("build", f"the build step returned {type(result).__name__}, not a zip path")
