"""Cold start of the real artifacts: a fresh interpreter answering one API Gateway event.

    .venv/bin/python benchmarks/cold_start.py [--runs 7] [--profiles slim,data]
        [--also-uncompiled] [--wheelhouse DIR]

Builds each profile for this machine's architecture (wheels from ``--wheelhouse``, else the
cache ``var/wheelhouse/<arch>``, filled from PyPI on first use), unzips it, and starts
``--runs`` fresh interpreters with only the standard library and the artifact on ``sys.path``
(``python -I -S -B``) and production settings (``DJANGO_DEBUG=false``, SQLite). Each imports
``parakeet.lambda_handler`` (Django setup, URLconf, views: Lambda's init phase), answers an
HTTP API v2 ``GET /api/trades/`` (the first invoke; the SQLite database is migrated once
beforehand through a command event), then ``--warm`` more (warm invokes). Interleaved with
those runs, the same number of interpreters run the baseline from the same artifact: bare
Django + apig-wsgi answering hello world on the same path, and (for context) the same
answered through a DRF ``APIView``. ``slim`` runs with the trades function's environment from
``functions.json`` (``PARAKEET_URL_APPS=trades``); ``data`` mounts every app. Printed per
profile: median and max of the init phase, the first invoke, the whole process, the
baselines, the ratios (init + first invoke over the baseline's; goal <= 1.3x against bare
Django), warm invoke p50/p95, and whether pandas was imported on that path (it must not be).
``--also-uncompiled`` adds the same artifact built with ``--no-compile`` to show what the
shipped bytecode saves.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parakeet.deploy.config import load_config  # noqa: E402
from parakeet.packaging.build import BuildOptions, build_artifact  # noqa: E402
from parakeet.packaging.target import ARCHITECTURES, Target  # noqa: E402

EVENT = textwrap.dedent(
    """
    def event(path):
        host = "a1b2c3.execute-api.ap-southeast-2.amazonaws.com"
        return {
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"host": host, "x-forwarded-proto": "https", "accept": "application/json"},
            "requestContext": {"domainName": host, "stage": "$default", "http": {
                "method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4"}},
            "isBase64Encoded": False,
        }
    """
)

PROBE = EVENT + textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    t0 = time.perf_counter()
    from parakeet.lambda_handler import handler
    t1 = time.perf_counter()
    response = handler(event("/api/trades/"), None)
    t2 = time.perf_counter()
    assert response["statusCode"] == 200, response
    pandas_on_path = "pandas" in sys.modules
    warm = []
    for _ in range(int(sys.argv[3])):
        started = time.perf_counter()
        assert handler(event("/api/trades/"), None)["statusCode"] == 200
        warm.append(time.perf_counter() - started)
    t3 = time.perf_counter()
    if sys.argv[2] == "data":
        import pandas, pyarrow.parquet  # what a data function's first request would load
    t4 = time.perf_counter()
    print(json.dumps({"init": t1 - t0, "invoke": t2 - t1, "data_imports": t4 - t3,
                      "warm": warm, "pandas_on_path": pandas_on_path}))
    """
)

# The baselines share their start (timer, Django) and end (apig-wsgi handler, one event).
_BASELINE_START = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    t0 = time.perf_counter()
    import django
    from django.conf import settings
    from django.urls import path
    """
)
_BASELINE_END = textwrap.dedent(
    """
    from apig_wsgi import make_lambda_handler
    from django.core.wsgi import get_wsgi_application
    handler = make_lambda_handler(get_wsgi_application())
    t1 = time.perf_counter()
    response = handler(event("/api/trades/"), None)
    t2 = time.perf_counter()
    assert response["statusCode"] == 200, response
    print(json.dumps({"init": t1 - t0, "invoke": t2 - t1}))
    """
)

# The baseline: Django + apig-wsgi answering hello world, from the same unpacked artifact.
BARE = (
    EVENT
    + _BASELINE_START
    + textwrap.dedent(
        """
        from django.http import HttpResponse
        settings.configure(
            DEBUG=False, SECRET_KEY="x" * 50, ALLOWED_HOSTS=[".amazonaws.com"],
            ROOT_URLCONF=__name__, MIDDLEWARE=[], INSTALLED_APPS=[],
        )
        urlpatterns = [path("api/trades/", lambda request: HttpResponse("hello"))]
        django.setup()
        """
    )
    + _BASELINE_END
)

# Context for the ratio: the same with Django REST framework answering through an APIView
# (the stack ARCHITECTURE.md measured: "bare Django + DRF + apig-wsgi").
BARE_DRF = (
    EVENT
    + _BASELINE_START
    + textwrap.dedent(
        """
        settings.configure(
            DEBUG=False, SECRET_KEY="x" * 50, ALLOWED_HOSTS=[".amazonaws.com"],
            ROOT_URLCONF=__name__, MIDDLEWARE=[], INSTALLED_APPS=["rest_framework"],
            REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [],
                            "DEFAULT_PERMISSION_CLASSES": [], "UNAUTHENTICATED_USER": None},
        )
        django.setup()
        from rest_framework.response import Response
        from rest_framework.views import APIView
        class Hello(APIView):
            def get(self, request):
                return Response({"hello": "world"})
        urlpatterns = [path("api/trades/", Hello.as_view())]
        """
    )
    + _BASELINE_END
)

MIGRATE = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from parakeet.lambda_handler import handler
    result = handler({"command": "migrate", "args": ["--no-input"]}, None)
    assert result["exit_code"] == 0, result["output"][-2000:]
    """
)
GOAL_RATIO = 1.3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profiles", default="slim,data")
    parser.add_argument("--also-uncompiled", action="store_true")
    parser.add_argument("--wheelhouse", type=Path)
    parser.add_argument("--warm", type=int, default=50, help="warm invokes per interpreter")
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


def function_environment(profile: str) -> dict[str, str]:
    """What functions.json gives the function measured: ``slim`` is the trades function
    (it mounts only the trades routes); ``data`` is measured with every app mounted."""
    if profile != "slim":
        return {}
    return load_config().function("trades").environment()


def run_probe(
    script: str, task_root: Path, profile: str, tmp: Path, warm_invokes: int = 0
) -> dict[str, Any]:
    environment = {
        **function_environment(profile),
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
        [
            sys.executable,
            "-I",
            "-S",
            "-B",
            "-c",
            script,
            str(task_root),
            profile,
            str(warm_invokes),
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    total = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{profile}: the artifact failed:\n{completed.stderr[-2000:]}")
    lines = completed.stdout.strip().splitlines()
    timings: dict[str, Any] = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    timings["process"] = total
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"# cold start, {args.runs} fresh interpreters each, {platform.machine()}")
    print("# first event GET /api/trades/ (HTTP API v2); bare = Django + apig-wsgi hello world,")
    print("# drf = the same answering through a DRF APIView; slim runs as the trades function")
    print(
        f"{'artifact':18} {'init p50':>9} {'max':>6} {'invoke p50':>10} {'process p50':>11}"
        f" {'bare p50':>9} {'ratio':>6} {'drf p50':>8} {'ratio':>6} {'warm p50':>9} {'p95':>6}"
        " pandas"
    )
    variants = [(p.strip(), True) for p in args.profiles.split(",") if p.strip()]
    if args.also_uncompiled:
        variants += [(profile, False) for profile, _ in list(variants)]
    verdicts: list[bool] = []
    for profile, compiled in variants:
        with tempfile.TemporaryDirectory(prefix=f"cold-{profile}-") as scratch:
            tmp = Path(scratch)
            task_root = unpacked_artifact(profile, compiled, args, tmp)
            run_probe(MIGRATE, task_root, profile, tmp)  # also warms the page cache
            runs, bare, drf = [], [], []
            for _ in range(args.runs):  # interleaved, so all see the same machine load
                runs.append(run_probe(PROBE, task_root, profile, tmp, args.warm))
                bare.append(run_probe(BARE, task_root, profile, tmp))
                drf.append(run_probe(BARE_DRF, task_root, profile, tmp))
        first = statistics.median(r["init"] + r["invoke"] for r in runs)
        baseline = statistics.median(b["init"] + b["invoke"] for b in bare)
        drf_baseline = statistics.median(b["init"] + b["invoke"] for b in drf)
        warm = [w for r in runs for w in r["warm"]] or [0.0]
        pandas_loaded = any(r["pandas_on_path"] for r in runs)
        ratio = first / baseline
        verdicts.append(ratio <= GOAL_RATIO and not pandas_loaded)
        label = f"{profile}{'' if compiled else ' (no pyc)'}"
        init = [r["init"] for r in runs]
        print(
            f"{label:18} {statistics.median(init):9.2f} {max(init):6.2f} "
            f"{statistics.median(r['invoke'] for r in runs):10.3f} "
            f"{statistics.median(r['process'] for r in runs):11.2f} {baseline:9.2f} "
            f"{ratio:5.2f}x {drf_baseline:8.2f} {first / drf_baseline:5.2f}x "
            f"{statistics.median(warm) * 1000:7.1f}ms "
            f"{percentile(warm, 0.95) * 1000:4.1f}ms {'yes' if pandas_loaded else 'no'}"
        )
        if profile == "data":
            print(
                f"{'':18} + pandas/pyarrow imports p50 "
                f"{statistics.median(r['data_imports'] for r in runs):.2f} s"
            )
    print(
        "seconds unless marked; ratio = (init + first invoke) / bare (then / drf), goal <= "
        f"{GOAL_RATIO}x with pandas not imported: {'met' if all(verdicts) else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
