"""``manage.py package`` in order: resolve, choose, fetch, install, prune, add the project,
compile, measure, zip, describe. Each step is a function in its own module."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parakeet.packaging.application import application_files, copy_application
from parakeet.packaging.archive import write_zip
from parakeet.packaging.budget import MB, check_budget
from parakeet.packaging.compile import CompileResult, compile_tree
from parakeet.packaging.install import install_wheel
from parakeet.packaging.lockfile import read_lock, resolve, roots_for
from parakeet.packaging.manifest import (
    artifact_name,
    build_manifest,
    file_entries,
    sizes_by_package,
    write_manifest,
)
from parakeet.packaging.prune import PruneOptions, imported_pyarrow_components, prune
from parakeet.packaging.strip import StripResult, strip_tree
from parakeet.packaging.target import Target
from parakeet.packaging.wheels import (
    Downloader,
    WheelChoice,
    choose_wheels,
    fetch_wheel,
    http_download,
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    profile: str
    target: Target
    output_dir: Path
    lock_path: Path
    base_dir: Path
    cache_dir: Path
    static_root: Path | None = None
    wheelhouse: Path | None = None
    budget_mb: float | None = None
    keep_boto3: bool = False
    languages: frozenset[str] = frozenset({"en-us"})
    compile: bool = True
    strip: bool = True
    download: Downloader = field(default=http_download, compare=False)


@dataclass(frozen=True)
class BuildResult:
    artifact: Path
    manifest_path: Path
    manifest: dict[str, Any]


def scratch_parent(minimum_free: int = 2 * 1024 * MB) -> str | None:
    """Where to unpack: ``PARAKEET_PACKAGE_SCRATCH``, else ``/dev/shm`` (tmpfs: thousands of
    small files are written and pruned) when it has room, else the default temp dir."""
    configured = os.environ.get("PARAKEET_PACKAGE_SCRATCH")
    if configured:
        return configured
    shm = Path("/dev/shm")  # noqa: S108
    try:
        if os.access(shm, os.W_OK) and shutil.disk_usage(shm).free >= minimum_free:
            return str(shm)
    except OSError:
        pass
    return None


def locked_wheels(options: BuildOptions) -> list[WheelChoice]:
    lock = read_lock(options.lock_path)
    packages = resolve(lock, roots_for(lock, options.profile), options.target)
    return choose_wheels(packages, options.target)


def fetch_wheels(options: BuildOptions) -> list[Path]:
    """Only step 3: fill the cache (or check the wheelhouse) for a profile, build nothing."""
    return [
        fetch_wheel(
            choice,
            cache_dir=options.cache_dir,
            wheelhouse=options.wheelhouse,
            download=options.download,
        )
        for choice in locked_wheels(options)
    ]


def build_artifact(options: BuildOptions, log: Log = lambda message: None) -> BuildResult:
    target = options.target
    choices = locked_wheels(options)
    log(f"{options.profile}/{target.arch}: {len(choices)} locked packages")
    with tempfile.TemporaryDirectory(prefix="parakeet-package-", dir=scratch_parent()) as scratch:
        root = Path(scratch) / "root"
        root.mkdir()
        for choice in choices:
            wheel = fetch_wheel(
                choice,
                cache_dir=options.cache_dir,
                wheelhouse=options.wheelhouse,
                download=options.download,
            )
            install_wheel(wheel, root)
        app_sources = [
            options.base_dir / p for p in application_files(options.base_dir) if p.suffix == ".py"
        ]
        report = prune(
            root,
            PruneOptions(
                languages=options.languages,
                keep_boto3=options.keep_boto3,
                pyarrow_needed=imported_pyarrow_components(app_sources),
            ),
        )
        log(f"pruned {report.files} files, {report.bytes / MB:.1f} MB")
        stripped = (
            strip_tree(root, target)
            if options.strip
            else StripResult(stripped=False, note="not stripped (--no-strip)")
        )
        log(stripped.note)
        copy_application(options.base_dir, options.static_root, root)
        compiled = (
            compile_tree(root, target)
            if options.compile
            else CompileResult(compiled=False, note="not byte-compiled (--no-compile)")
        )
        log(compiled.note)
        files = file_entries(root)
        check_budget(
            sum(f.size for f in files), sizes_by_package(files), budget_mb=options.budget_mb
        )
        staged_zip = Path(scratch) / "artifact.zip"
        digest = write_zip(root, staged_zip)
        name = artifact_name(options.profile, target.arch, target.python, digest)
        options.output_dir.mkdir(parents=True, exist_ok=True)
        artifact = options.output_dir / name
        shutil.move(staged_zip, artifact)
    manifest = build_manifest(
        profile=options.profile,
        arch=target.arch,
        python=target.python,
        dependencies={c.package.name: c.package.version for c in choices},
        wheels={c.package.name: c.wheel.filename for c in choices},
        files=files,
        prune_report=report,
        compile_note=compiled.note,
        strip=stripped,
        artifact=name,
        zip_sha256=digest,
        zipped_bytes=artifact.stat().st_size,
    )
    manifest_path = artifact.with_name(name.removesuffix(".zip") + ".manifest.json")
    write_manifest(manifest, manifest_path)
    # A stable name for deploy tooling: "the current slim/arm64 artifact is ...".
    write_manifest(
        manifest, options.output_dir / f"parakeet-{options.profile}-{target.arch}.manifest.json"
    )
    return BuildResult(artifact=artifact, manifest_path=manifest_path, manifest=manifest)
