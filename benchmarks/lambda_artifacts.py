"""Lambda artifacts: size, file count, build time and reproducibility of each profile.

    .venv/bin/python benchmarks/lambda_artifacts.py [--arch arm64] [--profiles slim,data]
        [--builds 2] [--wheelhouse DIR]

Builds each profile ``--builds`` times from ``uv.lock`` (wheels from ``--wheelhouse``, else the
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
    args = parser.parse_args(argv)
    if args.builds < 1:
        parser.error("--builds must be >= 1")
    return args


def build(profile: str, args: argparse.Namespace, output: Path) -> tuple[BuildResult, float]:
    started = time.perf_counter()
    result = build_artifact(
        BuildOptions(
            profile=profile,
            target=Target(args.arch, "3.12"),
            output_dir=output,
            lock_path=ROOT / "uv.lock",
            base_dir=ROOT,
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
    for profile in [p.strip() for p in args.profiles.split(",") if p.strip()]:
        results: list[BuildResult] = []
        seconds: list[float] = []
        with tempfile.TemporaryDirectory(prefix=f"bench-{profile}-") as scratch:
            for attempt in range(args.builds):
                result, elapsed = build(profile, args, Path(scratch) / f"build{attempt}")
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
    print(
        f"{'zappa':8} {ZAPPA['unzipped_mb']:11.1f} {ZAPPA['zipped_mb']:9.1f} "
        f"{ZAPPA['files']:6d} {'':>8} {'no':>12}  (reference, docs/ARCHITECTURE.md)"
    )
    print("\n".join(details))
    print("\nMB = 2^20 bytes (Lambda's limits are 250 MB unzipped, 50 MB zipped direct upload).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
