"""Exact versions from ``uv.lock``: walk the lock's dependency graph from a profile's roots.

Profiles:

- ``slim``: the web stack without pandas/pyarrow/numpy (:data:`SLIM_ROOTS`);
- ``data``: every runtime dependency of the project (never the ``dev`` group).

Markers are evaluated for the Lambda target (Linux, CPython, the target architecture), and
extras (``psycopg[binary]``) follow the lock's ``optional-dependencies``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import Marker

from parakeet.packaging.target import Target

PROFILES = ("slim", "data")
# The web functions' stack: Django + DRF + psycopg + powertools + httpx; no pandas/pyarrow.
SLIM_ROOTS: tuple[str, ...] = (
    "adrf",
    "apig-wsgi",
    "aws-lambda-powertools",
    "dj-database-url",
    "django",
    "django-cors-headers",
    "django-storages[s3]",
    "djangorestframework",
    "drf-spectacular",
    "drf-spectacular-sidecar",
    "httpx",
    "psycopg[binary]",
    "pyjwt[crypto]",
    "tzdata",
    "whitenoise",
)


class LockError(Exception):
    pass


@dataclass(frozen=True)
class Artifact:
    """One file the lock names for a package: a wheel or an sdist."""

    url: str
    sha256: str
    size: int | None

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1].split("#", 1)[0]


@dataclass(frozen=True)
class Requirement:
    name: str
    extras: frozenset[str] = frozenset()
    marker: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str
    wheels: tuple[Artifact, ...]
    sdist: Artifact | None
    dependencies: tuple[Requirement, ...]
    optional: Mapping[str, tuple[Requirement, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Lock:
    project: str
    packages: Mapping[str, tuple[LockedPackage, ...]]
    project_requirements: tuple[Requirement, ...]


def normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def parse_requirement(text: str) -> Requirement:
    """``"psycopg[binary]"`` -> Requirement("psycopg", {"binary"})."""
    name, _, rest = text.partition("[")
    extras = frozenset(e.strip() for e in rest.rstrip("]").split(",") if e.strip())
    return Requirement(normalize(name.strip()), extras)


def _artifact(entry: Mapping[str, Any]) -> Artifact:
    digest = str(entry.get("hash", ""))
    return Artifact(
        url=str(entry.get("url") or entry.get("path") or entry.get("filename", "")),
        sha256=digest.removeprefix("sha256:"),
        size=entry.get("size"),
    )


def _requirement(entry: Mapping[str, Any]) -> Requirement:
    extras = entry.get("extra", [])
    return Requirement(
        name=normalize(str(entry["name"])),
        extras=frozenset(extras),
        marker=entry.get("marker"),
        version=entry.get("version"),
    )


def read_lock(path: Path) -> Lock:
    data = tomllib.loads(path.read_text())
    packages: dict[str, list[LockedPackage]] = {}
    project: LockedPackage | None = None
    for entry in data.get("package", []):
        package = LockedPackage(
            name=normalize(entry["name"]),
            version=str(entry.get("version", "")),
            wheels=tuple(_artifact(w) for w in entry.get("wheels", [])),
            sdist=_artifact(entry["sdist"]) if "sdist" in entry else None,
            dependencies=tuple(_requirement(d) for d in entry.get("dependencies", [])),
            optional={
                extra: tuple(_requirement(d) for d in deps)
                for extra, deps in entry.get("optional-dependencies", {}).items()
            },
        )
        source = entry.get("source", {})
        if "virtual" in source or "editable" in source:
            project = package
            continue
        packages.setdefault(package.name, []).append(package)
    if project is None:
        raise LockError(f"{path}: no project entry (source = virtual/editable) in the lock")
    return Lock(
        project=project.name,
        packages={name: tuple(versions) for name, versions in packages.items()},
        project_requirements=project.dependencies,
    )


def roots_for(lock: Lock, profile: str) -> tuple[Requirement, ...]:
    if profile == "slim":
        return tuple(parse_requirement(r) for r in SLIM_ROOTS)
    if profile == "data":
        return lock.project_requirements
    raise LockError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")


def applies(requirement: Requirement, environment: Mapping[str, str]) -> bool:
    if not requirement.marker:
        return True
    return Marker(requirement.marker).evaluate({**environment, "extra": ""})


def resolve(lock: Lock, roots: Iterable[Requirement], target: Target) -> list[LockedPackage]:
    """Every package needed to import ``roots`` on ``target``, sorted by name."""
    environment = target.marker_environment()
    chosen: dict[str, LockedPackage] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [r for r in roots if applies(r, environment)]
    while pending:
        requirement = pending.pop()
        package = _locked(lock, requirement)
        chosen[package.name] = package
        key = (package.name, requirement.extras)
        if key in seen:
            continue
        seen.add(key)
        dependencies = list(package.dependencies)
        for extra in sorted(requirement.extras):
            if extra not in package.optional:
                raise LockError(f"{package.name} has no extra {extra!r} in the lock")
            dependencies.extend(package.optional[extra])
        pending.extend(d for d in dependencies if applies(d, environment))
    return [chosen[name] for name in sorted(chosen)]


def _locked(lock: Lock, requirement: Requirement) -> LockedPackage:
    candidates = lock.packages.get(requirement.name, ())
    if requirement.version:
        candidates = tuple(p for p in candidates if p.version == requirement.version)
    if not candidates:
        raise LockError(f"{requirement.name} is not in the lock file (run `uv lock`)")
    if len(candidates) > 1:
        versions = ", ".join(p.version for p in candidates)
        raise LockError(f"{requirement.name} has several locked versions ({versions})")
    return candidates[0]
