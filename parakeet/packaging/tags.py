"""Wheel filenames against the Lambda platform: parse, check, pick the best fit.

A wheel fits when its Python tag runs on the target CPython (``cp312``, ``py3``, or
``cp3x``+``abi3`` for x <= 12), and its platform is ``any`` or a manylinux tag for the
target architecture no newer than Lambda's glibc 2.34. Source distributions never fit:
Lambda cannot compile them, and building them here would not be reproducible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from parakeet.packaging.target import LAMBDA_GLIBC, Target

# manylinux1 / 2010 / 2014 are aliases of glibc 2.5 / 2.12 / 2.17 (PEP 600).
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MANYLINUX = re.compile(r"^manylinux_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.+)$")
_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")


class WheelRejected(Exception):
    """A package's file can't run on Lambda; the message names the package and the reason."""


@dataclass(frozen=True)
class WheelTags:
    filename: str
    name: str
    version: str
    build: str | None
    pythons: frozenset[str]
    abis: frozenset[str]
    platforms: frozenset[str]


def parse_wheel_filename(filename: str) -> WheelTags:
    """``name-version(-build)?-python-abi-platform.whl`` with ``.``-compressed tag sets."""
    if filename.endswith(_SDIST_SUFFIXES):
        raise WheelRejected(f"{filename} is a source distribution, not a wheel")
    if not filename.endswith(".whl"):
        raise WheelRejected(f"{filename} is not a wheel")
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        raise WheelRejected(f"{filename} is not a valid wheel filename")
    name, version = parts[0], parts[1]
    build = parts[2] if len(parts) == 6 else None
    python, abi, platform = parts[-3:]
    return WheelTags(
        filename=filename,
        name=name,
        version=version,
        build=build,
        pythons=frozenset(python.split(".")),
        abis=frozenset(abi.split(".")),
        platforms=frozenset(platform.split(".")),
    )


def glibc_of(platform: str, machine: str) -> tuple[int, int] | None:
    """The glibc version a manylinux tag for ``machine`` needs; ``None`` for other tags."""
    for legacy, version in _LEGACY_MANYLINUX.items():
        if platform == f"{legacy}_{machine}":
            return version
    match = _MANYLINUX.match(platform)
    if match and match["arch"] == machine:
        return int(match["major"]), int(match["minor"])
    return None


def python_fits(tags: WheelTags, target: Target) -> bool:
    if tags.abis & {target.python_tag, "none"} and tags.pythons & {
        target.python_tag,
        "py3",
        f"py3{target.python_minor}",
    }:
        return True
    if "abi3" in tags.abis:
        return any(
            p.startswith("cp3") and p[3:].isdigit() and int(p[3:]) <= target.python_minor
            for p in tags.pythons
        )
    return False


def platform_fit(tags: WheelTags, target: Target) -> tuple[int, int] | None:
    """``(0, 0)`` for pure wheels, the glibc needed for fitting manylinux, else ``None``."""
    if "any" in tags.platforms:
        return (0, 0)
    fitting = [
        glibc
        for platform in tags.platforms
        if (glibc := glibc_of(platform, target.machine)) is not None and glibc <= LAMBDA_GLIBC
    ]
    return min(fitting) if fitting else None


def check_wheel(package: str, filename: str, target: Target) -> WheelTags:
    """Raise :class:`WheelRejected` (naming ``package``) unless the wheel runs on ``target``."""
    try:
        tags = parse_wheel_filename(filename)
    except WheelRejected as exc:
        raise WheelRejected(f"{package}: {exc}") from None
    if not python_fits(tags, target):
        raise WheelRejected(
            f"{package}: {filename} is not for CPython {target.python} "
            f"(python tags {'.'.join(sorted(tags.pythons))}, abi {'.'.join(sorted(tags.abis))})"
        )
    if platform_fit(tags, target) is None:
        newer = [
            g
            for p in tags.platforms
            if (g := glibc_of(p, target.machine)) is not None and g > LAMBDA_GLIBC
        ]
        if newer:
            major, minor = min(newer)
            needed = f"{major}.{minor}"
            raise WheelRejected(
                f"{package}: {filename} needs glibc {needed}, newer than Lambda's "
                f"glibc {LAMBDA_GLIBC[0]}.{LAMBDA_GLIBC[1]}"
            )
        raise WheelRejected(
            f"{package}: {filename} is not built for Linux {target.machine} "
            f"(platforms {'.'.join(sorted(tags.platforms))})"
        )
    return tags


def best_wheel(package: str, filenames: Iterable[str], target: Target) -> str:
    """The filename to install: platform wheels before pure ones, then the newest glibc."""
    fitting: list[tuple[tuple[int, int, int], str]] = []
    reasons: list[str] = []
    for filename in filenames:
        try:
            tags = check_wheel(package, filename, target)
        except WheelRejected as exc:
            reasons.append(str(exc).removeprefix(f"{package}: "))
            continue
        glibc = platform_fit(tags, target) or (0, 0)
        fitting.append(((glibc[0], glibc[1], _cpython_minor(tags)), filename))
    if not fitting:
        detail = "; ".join(reasons[:3]) if reasons else "the lock lists no wheels"
        raise WheelRejected(
            f"{package}: no wheel for Lambda {target.arch} CPython {target.python} ({detail})"
        )
    return max(fitting)[1]


def _cpython_minor(tags: WheelTags) -> int:
    """Prefer ``cp312`` over ``cp311-abi3`` over ``cp39-abi3`` over ``py3``."""
    minors = [int(p[3:]) for p in tags.pythons if p.startswith("cp3") and p[3:].isdigit()]
    return max(minors, default=0)
