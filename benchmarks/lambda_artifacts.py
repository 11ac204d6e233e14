"""Lambda artifacts: size, file count, build time and reproducibility of each profile.

    .venv/bin/python benchmarks/lambda_artifacts.py [--arch arm64] [--profiles slim,data]
        [--builds 2] [--wheelhouse DIR]

Builds each profile ``--builds`` times from ``uv.lock`` and a ``git archive HEAD`` snapshot of
the project (``--working-tree`` uses the live tree instead, whose files may change between
builds while others work in it) (wheels from ``--wheelhouse``, else the
download cache ``var/wheelhouse/<arch>``, filled from PyPI on first use) into a temporary
directory, and prints unzipped/zipped size, file count, build time, whether every build gave
the same sha256, what pruning and stripping saved, and the largest packages. The reference
line is ``zappa package`` (0.63) of the same dependency set, measured once for
docs/ARCHITECTURE.md: 409.8 MB unzipped, 139.3 MB zipped, 16,627 files, not reproducible.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parakeet.packaging.budget import LAMBDA_UNZIPPED_LIMIT_MB, MB  # noqa: E402
from parakeet.packaging.build import BuildOptions, BuildResult, build_artifact  # noqa: E402
from parakeet.packaging.target import ARCHITECTURES, Target  # noqa: E402

ZAPPA = {"unzipped_mb": 409.8, "zipped_mb": 139.3, "files": 16_627}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="arm64")
    parser.add_argument("--profiles", default="slim,data")
    parser.add_argument("--builds", type=int, default=2, help="builds per profile (>= 1)")
    parser.add_argument("--wheelhouse", type=Path, help="offline: take wheels from here")
    parser.add_argument("--working-tree", action="store_true", help="package the live tree")
    args = parser.parse_args(argv)
    if args.builds < 1:
        parser.error("--builds must be >= 1")
    return args


def snapshot(destination: Path) -> Path:
    """The committed project (``git archive HEAD``): a stable input for every build."""
    destination.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    return destination


def build(
    profile: str, args: argparse.Namespace, output: Path, base_dir: Path
) -> tuple[BuildResult, float]:
    started = time.perf_counter()
    result = build_artifact(
        BuildOptions(
            profile=profile,
            target=Target(args.arch, "3.12"),
            output_dir=output,
            lock_path=base_dir / "uv.lock",
            base_dir=base_dir,
            cache_dir=ROOT / "var" / "wheelhouse" / args.arch,
            static_root=ROOT / "staticfiles",
            wheelhouse=args.wheelhouse,
        )
    )
    return result, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"# Lambda artifacts for {args.arch}, Python 3.12, built on {platform.machine()}")
    print(
        f"{'profile':8} {'unzipped MB':>11} {'zipped MB':>9} {'files':>6} "
        f"{'build s':>8} {'reproducible':>12}  sha256"
    )
    details: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-source-") as source:
        base_dir = ROOT if args.working_tree else snapshot(Path(source) / "project")
        run_profiles(args, base_dir, details)
    print(
        f"{'zappa':8} {ZAPPA['unzipped_mb']:11.1f} {ZAPPA['zipped_mb']:9.1f} "
        f"{ZAPPA['files']:6d} {'':>8} {'no':>12}  (reference, docs/ARCHITECTURE.md)"
    )
    print("\n".join(details))
    print("\nMB = 2^20 bytes (Lambda's limits are 250 MB unzipped, 50 MB zipped direct upload).")
    return 0


def differing_files(results: list[BuildResult]) -> list[str]:
    first = {f["path"]: f["sha256"] for f in results[0].manifest["files"]}
    differing: set[str] = set()
    for result in results[1:]:
        other = {f["path"]: f["sha256"] for f in result.manifest["files"]}
        differing |= {p for p in first.keys() | other.keys() if first.get(p) != other.get(p)}
    return sorted(differing)


def run_profiles(args: argparse.Namespace, base_dir: Path, details: list[str]) -> None:
    for profile in [p.strip() for p in args.profiles.split(",") if p.strip()]:
        results: list[BuildResult] = []
        seconds: list[float] = []
        with tempfile.TemporaryDirectory(prefix=f"bench-{profile}-") as scratch:
            for attempt in range(args.builds):
                result, elapsed = build(profile, args, Path(scratch) / f"build{attempt}", base_dir)
                results.append(result)
                seconds.append(elapsed)
            digests = {r.manifest["sha256"] for r in results}
        manifest = results[0].manifest
        reproducible = "yes" if len(digests) == 1 else f"NO ({len(digests)})"
        if args.builds == 1:
            reproducible = "(1 build)"
        print(
            f"{profile:8} {manifest['unzipped_bytes'] / MB:11.1f} "
            f"{manifest['zipped_bytes'] / MB:9.1f} {manifest['file_count']:6d} "
            f"{statistics.median(seconds):8.1f} {reproducible:>12}  {manifest['sha256'][:16]}"
        )
        pruning = manifest["pruning"]
        strip = manifest["strip"]
        largest = ", ".join(
            f"{name} {size / MB:.1f}" for name, size in list(manifest["packages"].items())[:6]
        )
        details += [
            f"\n## {profile}: {len(manifest['dependencies'])} packages; "
            f"headroom {LAMBDA_UNZIPPED_LIMIT_MB - manifest['unzipped_bytes'] / MB:.1f} MB "
            f"under Lambda's {LAMBDA_UNZIPPED_LIMIT_MB} MB",
            f"pruned {pruning['total_files']} files / {pruning['total_bytes'] / MB:.1f} MB:",
            *(
                f"  {rule}: {v['files']} files, {v['bytes'] / MB:.1f} MB"
                for rule, v in pruning["rules"].items()
                if v["files"]
            ),
            f"  pyarrow components removed: {', '.join(pruning['pyarrow_components_removed'])}"
            if pruning["pyarrow_components_removed"]
            else "  pyarrow: not in this profile",
            f"{strip['note']}: {strip['bytes_saved'] / MB:.1f} MB saved",
            f"{manifest['compile']}",
            f"largest (MB): {largest}",
        ]
        if len(digests) > 1:
            details.append(f"files that differed between builds: {differing_files(results)[:10]}")


if __name__ == "__main__":
    raise SystemExit(main())
