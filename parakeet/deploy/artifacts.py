"""Step ``build``: the zip artifacts to deploy, one per package profile (``slim``, ``data``).

Either built here with ``manage.py package`` (then found through the stable manifest it
writes, ``dist/parakeet-<profile>-<arch>.manifest.json``), taken from an earlier build the same
way (``--skip-build``), or given on the command line as ``--artifact PATH`` / ``slim=PATH``.
An artifact is identified by the SHA-256 of its bytes: reproducible builds give the same hash,
hence the same S3 key, so an unchanged artifact is never uploaded twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

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


# --- building with `manage.py package` ---------------------------------------------------------

PackageRunner = Callable[..., None]


def manifest_path(out_dir: Path, package: str, architecture: str) -> Path:
    """The stable manifest ``manage.py package`` writes for the latest build of a profile."""
    return out_dir / f"parakeet-{package}-{architecture}.manifest.json"


def built_artifact(out_dir: Path, package: str, architecture: str) -> Artifact:
    """The zip the latest ``manage.py package`` build named in its manifest, hash checked."""
    path = manifest_path(out_dir, package, architecture)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DeployError(
            "build",
            f"no {package} build in {out_dir} ({path.name}: {exc}): run "
            f"`manage.py package --profile {package} --arch {architecture} --output {out_dir}` "
            "or pass --artifact PATH",
        ) from None
    name = manifest.get("artifact")
    if not isinstance(name, str) or not name:
        raise DeployError("build", f"{path} names no artifact")
    artifact = artifact_at(out_dir / name, package)
    expected = manifest.get("sha256")
    if expected and expected != artifact.sha256:
        raise DeployError(
            "build", f"{name} does not match its manifest (sha256 {artifact.sha256[:12]}...)"
        )
    return artifact


def run_package(
    package: str, *, out_dir: Path, architecture: str, extra: Sequence[str] = ()
) -> None:
    """``manage.py package --profile P --arch A --output DIR [extra...]``."""
    from django.core.management import call_command

    call_command(
        "package",
        "--profile",
        package,
        "--arch",
        architecture,
        "--output",
        str(out_dir),
        *extra,
    )


def build(
    packages: list[str],
    *,
    out_dir: Path,
    architecture: str,
    extra: Sequence[str] = (),
    runner: PackageRunner | None = None,
) -> list[Artifact]:
    """Build each package with ``manage.py package`` and return the zips it wrote."""
    runner = runner or run_package
    artifacts: list[Artifact] = []
    for package in packages:
        try:
            runner(package, out_dir=out_dir, architecture=architecture, extra=extra)
        except DeployError:
            raise
        except (Exception, SystemExit) as exc:
            raise DeployError(
                "build", f"building the {package} artifact failed: {exc}", output=str(exc)
            ) from exc
        artifacts.append(built_artifact(out_dir, package, architecture))
    return artifacts
