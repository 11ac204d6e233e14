"""A real artifact, built from the wheelhouse cache, answering an API Gateway event.

Needs the locked Linux wheels for this machine's architecture in ``var/wheelhouse/<arch>``;
without them the tests are skipped with the command that fetches them (it needs network,
once), or fail with ``PARAKEET_REQUIRE_WHEELHOUSE=1`` (``make test`` fills the wheelhouse
first and sets it, so a broken fetch cannot pass as a skip). A host that cannot run a Linux
x86_64/aarch64 Python 3.12 artifact always skips. The ``data`` artifact (pandas/pyarrow) is
only smoke-tested with ``PARAKEET_PACKAGE_SMOKE=all`` because it takes about half a minute
more on two cores.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from parakeet.packaging.build import BuildOptions, BuildResult, build_artifact
from parakeet.packaging.lockfile import read_lock, resolve, roots_for
from parakeet.packaging.target import ARCHITECTURES, Target
from parakeet.packaging.wheels import choose_wheels

BASE_DIR = Path(settings.BASE_DIR)
HOST_ARCH = {machine: arch for arch, machine in ARCHITECTURES.items()}.get(platform.machine())
HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def missing_wheels(profile: str, wheelhouse: Path, target: Target) -> list[str]:
    lock = read_lock(BASE_DIR / "uv.lock")
    choices = choose_wheels(resolve(lock, roots_for(lock, profile), target), target)
    return [c.wheel.filename for c in choices if not (wheelhouse / c.wheel.filename).is_file()]


def host_can_run_artifacts() -> bool:
    return HOST_ARCH is not None and sys.platform == "linux" and HOST_PYTHON == "3.12"


def wheelhouse_gap(profile: str) -> str | None:
    """What is missing from the wheelhouse for ``profile``, or ``None``."""
    wheelhouse = BASE_DIR / "var" / "wheelhouse" / (HOST_ARCH or "x86_64")
    missing = missing_wheels(profile, wheelhouse, Target(HOST_ARCH or "x86_64", "3.12"))
    if not missing:
        return None
    return (
        f"{len(missing)} wheels missing from {wheelhouse} (e.g. {missing[0]}); fetch them "
        f"once with network: python manage.py package --profile {profile} --arch {HOST_ARCH} "
        "--download-only"
    )


def require_wheelhouse() -> bool:
    return os.environ.get("PARAKEET_REQUIRE_WHEELHOUSE", "") == "1"


@pytest.fixture
def artifact_inputs(request: pytest.FixtureRequest) -> str:
    """The test's profile, once the host can run it and its wheels are there (else skip/fail)."""
    profile: str = request.param
    if not host_can_run_artifacts():
        pytest.skip(
            "the smoke test runs the artifact here: needs Linux x86_64/aarch64, Python 3.12"
        )
    gap = wheelhouse_gap(profile)
    if gap is not None:
        if require_wheelhouse():
            pytest.fail(f"PARAKEET_REQUIRE_WHEELHOUSE=1 but {gap}", pytrace=False)
        pytest.skip(gap)
    return profile


def build_and_unzip(profile: str, tmp: Path) -> tuple[BuildResult, Path]:
    # Byte-compiling is left to its own test (test_packaging_build): here it would only add
    # half a minute on two shared cores.
    result = build_artifact(
        BuildOptions(
            profile=profile,
            target=Target(HOST_ARCH or "x86_64", "3.12"),
            output_dir=tmp / "dist",
            lock_path=BASE_DIR / "uv.lock",
            base_dir=BASE_DIR,
            cache_dir=tmp / "unused-cache",
            static_root=Path(settings.STATIC_ROOT),
            wheelhouse=BASE_DIR / "var" / "wheelhouse" / (HOST_ARCH or "x86_64"),
            compile=False,
        )
    )
    task_root = tmp / "task"
    with zipfile.ZipFile(result.artifact) as archive:
        archive.extractall(task_root)
    return result, task_root


PROBE = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    started = time.perf_counter()
    from parakeet.lambda_handler import handler
    init_seconds = time.perf_counter() - started
    host = "a1b2c3.execute-api.ap-southeast-2.amazonaws.com"
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": "/health", "rawQueryString": "",
        "headers": {"host": host, "x-forwarded-proto": "https", "accept": "application/json"},
        "requestContext": {
            "domainName": host, "stage": "$default",
            "http": {"method": "GET", "path": "/health", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "smoke"},
        },
        "isBase64Encoded": False,
    }
    response = handler(event, None)
    extra = {}
    if len(sys.argv) > 2 and sys.argv[2] == "data":
        import io
        import numpy, pandas
        frame = pandas.DataFrame({"close": numpy.arange(5.0)})
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        extra["parquet_sum"] = float(pandas.read_parquet(buffer).close.sum())
    print(json.dumps({
        "init_seconds": init_seconds,
        "status": response["statusCode"],
        "body": json.loads(response["body"]),
        "pandas_loaded": "pandas" in sys.modules,
        "outside_task_root": sorted(
            name for name, module in sys.modules.items()
            if "site-packages" in (getattr(module, "__file__", None) or "")
        ),
        **extra,
    }))
    """
)


def run_fresh_interpreter(task_root: Path, profile: str, tmp: Path) -> dict[str, Any]:
    """Only the stdlib and ``task_root`` on sys.path (-I -S), production settings."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": ".execute-api.ap-southeast-2.amazonaws.com",
        "PARAKEET_AUTH_REQUIRED": "false",
        "DATABASE_URL": f"sqlite:///{tmp / 'smoke.sqlite3'}",
        "PARAKEET_VAR_DIR": str(tmp / "var"),
    }
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(task_root), profile],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("artifact_inputs", ["slim"], indirect=True)
def test_slim_artifact_answers_health_in_a_fresh_interpreter(artifact_inputs, tmp_path):
    result, task_root = build_and_unzip(artifact_inputs, tmp_path)

    probe = run_fresh_interpreter(task_root, "slim", tmp_path)

    assert probe["status"] == 200
    assert probe["body"]["status"] == "healthy"
    assert probe["pandas_loaded"] is False
    assert probe["outside_task_root"] == []
    assert not (task_root / "pandas").exists()
    assert not (task_root / "boto3").exists()
    assert result.manifest["unzipped_bytes"] < 250 * 1024 * 1024


@pytest.mark.skipif(
    os.environ.get("PARAKEET_PACKAGE_SMOKE") != "all",
    reason="set PARAKEET_PACKAGE_SMOKE=all (and fill the wheelhouse) to smoke-test data",
)
@pytest.mark.parametrize("artifact_inputs", ["data"], indirect=True)
def test_data_artifact_answers_health_and_reads_parquet(artifact_inputs, tmp_path):
    result, task_root = build_and_unzip(artifact_inputs, tmp_path)

    probe = run_fresh_interpreter(task_root, "data", tmp_path)

    assert probe["status"] == 200
    assert probe["parquet_sum"] == 10.0
    assert probe["outside_task_root"] == []
    assert result.manifest["unzipped_bytes"] < 250 * 1024 * 1024
