"""Cold start of the real artifacts: a fresh interpreter answering one API Gateway event.

    .venv/bin/python benchmarks/cold_start.py [--runs 7] [--profiles slim,data]
        [--also-uncompiled] [--wheelhouse DIR]

Builds each profile for this machine's architecture (wheels from ``--wheelhouse``, else the
cache ``var/wheelhouse/<arch>``, filled from PyPI on first use), unzips it, and starts
``--runs`` fresh interpreters with only the standard library and the artifact on ``sys.path``
(``python -I -S -B``) and production settings (``DJANGO_DEBUG=false``, SQLite). Each imports
``parakeet.lambda_handler`` (Django setup, URLconf, views: Lambda's init phase) and answers an
HTTP API v2 ``GET /health`` (the first invoke). Printed: median and max of the init phase,
the first invoke, and the whole process (interpreter start to exit), per profile.
``--also-uncompiled`` adds the same artifact built with ``--no-compile`` to show what the
shipped bytecode saves. Reference for docs/ARCHITECTURE.md: bare Django + DRF + apig-wsgi
answering one event took 0.95 s here; with pandas + pyarrow imported, 1.61 s.

A laptop is not Lambda: the file system cache is warm after the first run, and there is no
SnapStart. Compare profiles within one run.
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parakeet.packaging.build import BuildOptions, build_artifact  # noqa: E402
from parakeet.packaging.target import ARCHITECTURES, Target  # noqa: E402

PROBE = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    t0 = time.perf_counter()
    from parakeet.lambda_handler import handler
    t1 = time.perf_counter()
    host = "a1b2c3.execute-api.ap-southeast-2.amazonaws.com"
    response = handler({
        "version": "2.0", "routeKey": "$default", "rawPath": "/health", "rawQueryString": "",
        "headers": {"host": host, "x-forwarded-proto": "https"},
        "requestContext": {"domainName": host, "stage": "$default", "http": {
            "method": "GET", "path": "/health", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4"}},
        "isBase64Encoded": False,
    }, None)
    t2 = time.perf_counter()
    assert response["statusCode"] == 200, response
    if sys.argv[2] == "data":
        import pandas, pyarrow.parquet  # what a data function's first request would load
    t3 = time.perf_counter()
    print(json.dumps({"init": t1 - t0, "invoke": t2 - t1, "data_imports": t3 - t2}))
    """
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profiles", default="slim,data")
    parser.add_argument("--also-uncompiled", action="store_true")
    parser.add_argument("--wheelhouse", type=Path)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    return args


def host_arch() -> str:
    for arch, machine in ARCHITECTURES.items():
        if machine == platform.machine():
            return arch
    raise SystemExit(f"cold_start runs the artifact here: unsupported machine {platform.machine()}")


def unpacked_artifact(profile: str, compiled: bool, args: argparse.Namespace, tmp: Path) -> Path:
    arch = host_arch()
    result = build_artifact(
        BuildOptions(
            profile=profile,
            target=Target(arch, "3.12"),
            output_dir=tmp / "dist",
            lock_path=ROOT / "uv.lock",
            base_dir=ROOT,
            cache_dir=ROOT / "var" / "wheelhouse" / arch,
            static_root=ROOT / "staticfiles",
            wheelhouse=args.wheelhouse,
            compile=compiled,
        )
    )
    task_root = tmp / "task"
    with zipfile.ZipFile(result.artifact) as archive:
        archive.extractall(task_root)
    return task_root


def one_cold_start(task_root: Path, profile: str, tmp: Path) -> dict[str, float]:
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": ".amazonaws.com",
        "PARAKEET_AUTH_REQUIRED": "false",
        "DATABASE_URL": f"sqlite:///{tmp / 'cold.sqlite3'}",
        "PARAKEET_VAR_DIR": str(tmp / "var"),
    }
    started = time.perf_counter()
    completed = subprocess.run(
        # -B: never write bytecode (/var/task is read-only on Lambda; -I ignores PYTHON* vars)
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, str(task_root), profile],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    total = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{profile}: the artifact failed:\n{completed.stderr[-2000:]}")
    timings: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    timings["process"] = total
    return timings


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"# cold start, {args.runs} fresh interpreters each, {platform.machine()}")
    print(f"{'artifact':18} {'init p50':>9} {'max':>6} {'invoke p50':>10} {'process p50':>11}")
    variants = [(p.strip(), True) for p in args.profiles.split(",") if p.strip()]
    if args.also_uncompiled:
        variants += [(profile, False) for profile, _ in list(variants)]
    for profile, compiled in variants:
        with tempfile.TemporaryDirectory(prefix=f"cold-{profile}-") as scratch:
            tmp = Path(scratch)
            task_root = unpacked_artifact(profile, compiled, args, tmp)
            one_cold_start(task_root, profile, tmp)  # page cache, like a warm Lambda host
            runs = [one_cold_start(task_root, profile, tmp) for _ in range(args.runs)]
        init = [r["init"] for r in runs]
        label = f"{profile}{'' if compiled else ' (no pyc)'}"
        print(
            f"{label:18} {statistics.median(init):9.2f} {max(init):6.2f} "
            f"{statistics.median(r['invoke'] for r in runs):10.3f} "
            f"{statistics.median(r['process'] for r in runs):11.2f}"
        )
        if profile == "data":
            print(
                f"{'':18} + pandas/pyarrow imports p50 "
                f"{statistics.median(r['data_imports'] for r in runs):.2f} s"
            )
    print("seconds; reference: Django + DRF + apig-wsgi one event 0.95 s, with pandas 1.61 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
