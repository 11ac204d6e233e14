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

import hashlib
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
from parakeet.packaging.elf import elf_machine, glibc_versions
from parakeet.packaging.lockfile import read_lock, resolve, roots_for
from parakeet.packaging.target import ARCHITECTURES, LAMBDA_GLIBC, Target
from parakeet.packaging.wheels import choose_wheels

BASE_DIR = Path(settings.BASE_DIR)
HOST_ARCH = {machine: arch for arch, machine in ARCHITECTURES.items()}.get(platform.machine())
HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def missing_wheels(profile: str, wheelhouse: Path, target: Target) -> list[str]:
    lock = read_lock(BASE_DIR / "uv.lock")
    choices = choose_wheels(resolve(lock, roots_for(lock, profile), target), target)
    return [c.wheel.filename for c in choices if not (wheelhouse / c.wheel.filename).is_file()]


OTHER_ARCH = "x86_64" if HOST_ARCH == "arm64" else "arm64"


def host_can_run_artifacts() -> bool:
    return HOST_ARCH is not None and sys.platform == "linux" and HOST_PYTHON == "3.12"


def wheelhouse_for(arch: str) -> Path:
    return BASE_DIR / "var" / "wheelhouse" / arch


def wheelhouse_gap(profile: str, arch: str) -> str | None:
    """What is missing from the wheelhouse for ``profile`` on ``arch``, or ``None``."""
    wheelhouse = wheelhouse_for(arch)
    missing = missing_wheels(profile, wheelhouse, Target(arch, "3.12"))
    if not missing:
        return None
    return (
        f"{len(missing)} wheels missing from {wheelhouse} (e.g. {missing[0]}); fetch them "
        f"once with network: python manage.py package --profile {profile} --arch {arch} "
        "--download-only"
    )


def require_wheelhouse() -> bool:
    return os.environ.get("PARAKEET_REQUIRE_WHEELHOUSE", "") == "1"


@pytest.fixture
def artifact_inputs(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(profile, arch)`` once its wheels are there (else skip, or fail if required).

    ``arch`` ``"host"`` is this machine's architecture, whose artifact the test runs (other
    hosts skip); ``"other"`` is the other one, whose artifact gets the import-free checks.
    """
    profile, which = request.param
    if which == "host":
        if not host_can_run_artifacts():
            pytest.skip(
                "the smoke test runs the artifact here: needs Linux x86_64/aarch64, Python 3.12"
            )
        arch = HOST_ARCH or "x86_64"
    else:
        arch = OTHER_ARCH
    gap = wheelhouse_gap(profile, arch)
    if gap is not None:
        if require_wheelhouse():
            pytest.fail(f"PARAKEET_REQUIRE_WHEELHOUSE=1 but {gap}", pytrace=False)
        pytest.skip(gap)
    return profile, arch


def build_and_unzip(profile: str, arch: str, tmp: Path) -> tuple[BuildResult, Path]:
    # Byte-compiling is left to its own test (test_packaging_build): here it would only add
    # half a minute on two shared cores.
    result = build_artifact(
        BuildOptions(
            profile=profile,
            target=Target(arch, "3.12"),
            output_dir=tmp / "dist",
            lock_path=BASE_DIR / "uv.lock",
            base_dir=BASE_DIR,
            cache_dir=tmp / "unused-cache",
            static_root=Path(settings.STATIC_ROOT),
            wheelhouse=wheelhouse_for(arch),
            compile=False,
        )
    )
    task_root = tmp / "task"
    with zipfile.ZipFile(result.artifact) as archive:
        archive.extractall(task_root)
    return result, task_root


SLIM_PACKAGES = [
    "adrf",
    "apig_wsgi",
    "aws_lambda_powertools",
    "django",
    "httpx",
    "jwt",
    "psycopg",
    "psycopg_binary",
    "rest_framework",
    "storages",
    "tzdata",
]
DATA_ONLY_PACKAGES = ["numpy", "pandas", "pyarrow"]
RUNTIME_PROVIDED = ["boto3", "botocore", "s3transfer"]


def import_free_checks(result: BuildResult, task_root: Path, profile: str, arch: str) -> None:
    """What can be checked about an artifact without running it (any host, any arch)."""
    target = Target(arch, "3.12")
    files = sorted(p for p in task_root.rglob("*") if p.is_file())
    relative = {p.relative_to(task_root).as_posix() for p in files}
    # The manifest describes exactly what was zipped.
    entries = {entry["path"]: entry for entry in result.manifest["files"]}
    assert set(entries) == relative
    for path in files[:: max(1, len(files) // 200)]:  # a sample: hashing all takes seconds
        entry = entries[path.relative_to(task_root).as_posix()]
        assert entry["size"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # The handler, its settings and the packages the profile needs are there; the others not.
    assert {"parakeet/lambda_handler.py", "parakeet/settings.py", "manage.py"} <= relative
    expected = SLIM_PACKAGES + (DATA_ONLY_PACKAGES if profile == "data" else [])
    assert [name for name in expected if not (task_root / name).is_dir()] == []
    absent = RUNTIME_PROVIDED + ([] if profile == "data" else DATA_ONLY_PACKAGES)
    assert [name for name in absent if (task_root / name).exists()] == []
    # Every native library is built for the target and needs no glibc newer than AL2023's.
    machines: dict[str, list[str]] = {}
    too_new: list[str] = []
    for path in files:
        machine = elf_machine(path)
        if machine is None:
            continue
        machines.setdefault(machine, []).append(path.name)
        if max(glibc_versions(path), default=(0, 0)) > LAMBDA_GLIBC:
            too_new.append(path.name)
    assert set(machines) == {target.machine}, {m: n[:3] for m, n in machines.items()}
    assert too_new == []
    # The application's own modules are valid Python for the runtime (compiled, not run).
    for path in files:
        name = path.relative_to(task_root).as_posix()
        if name.endswith(".py") and name.split("/")[0] in ("parakeet", "trades", "manage.py"):
            compile(path.read_bytes(), name, "exec", dont_inherit=True)
    assert result.manifest["arch"] == arch
    assert result.manifest["unzipped_bytes"] < 250 * 1024 * 1024


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
    pandas_after_health = "pandas" in sys.modules
    schema_event = json.loads(json.dumps(event))
    schema_event["rawPath"] = schema_event["requestContext"]["http"]["path"] = "/openapi.json"
    schema = handler(schema_event, None)
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
        "pandas_loaded": pandas_after_health,
        "schema_status": schema["statusCode"],
        "schema_paths": sorted(json.loads(schema["body"]).get("paths", {})),
        "pandas_after_schema": "pandas" in sys.modules,
        "jwt_loaded": sorted({"jwt", "cryptography"} & set(sys.modules)),
        "outside_task_root": sorted(
            name for name, module in sys.modules.items()
            if "site-packages" in (getattr(module, "__file__", None) or "")
        ),
        **extra,
    }))
    # Lambda never finalises the interpreter between invocations; skipping it here avoids
    # pyarrow's occasional "terminate called without an active exception" at exit.
    sys.stdout.flush()
    import os
    os._exit(0)
    """
)


def run_fresh_interpreter(task_root: Path, profile: str, tmp: Path) -> dict[str, Any]:
    """Only the stdlib and ``task_root`` on sys.path (-I -S), production settings; ``slim``
    with the trades function's environment (it mounts only the trades routes)."""
    environment = {
        **({"PARAKEET_URL_APPS": "trades"} if profile == "slim" else {}),
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


@pytest.mark.parametrize("artifact_inputs", [("slim", "host")], indirect=True, ids=["slim"])
def test_slim_artifact_answers_health_in_a_fresh_interpreter(artifact_inputs, tmp_path):
    profile, arch = artifact_inputs
    result, task_root = build_and_unzip(profile, arch, tmp_path)
    import_free_checks(result, task_root, profile, arch)

    probe = run_fresh_interpreter(task_root, "slim", tmp_path)

    assert probe["status"] == 200
    assert probe["body"]["status"] == "healthy"
    assert probe["pandas_loaded"] is False
    assert probe["jwt_loaded"] == []  # deferred to the first bearer token
    # The whole API's description, though this function mounts only trades, without pandas.
    assert probe["schema_status"] == 200
    assert {"/api/trades", "/api/strategies/run", "/api/scanner/run"} <= set(probe["schema_paths"])
    assert probe["pandas_after_schema"] is False
    assert probe["outside_task_root"] == []
    assert not (task_root / "pandas").exists()
    assert not (task_root / "boto3").exists()
    assert result.manifest["unzipped_bytes"] < 250 * 1024 * 1024


@pytest.mark.skipif(
    os.environ.get("PARAKEET_PACKAGE_SMOKE") != "all",
    reason="set PARAKEET_PACKAGE_SMOKE=all (and fill the wheelhouse) to smoke-test data",
)
@pytest.mark.parametrize("artifact_inputs", [("data", "host")], indirect=True, ids=["data"])
def test_data_artifact_answers_health_and_reads_parquet(artifact_inputs, tmp_path):
    profile, arch = artifact_inputs
    result, task_root = build_and_unzip(profile, arch, tmp_path)
    import_free_checks(result, task_root, profile, arch)

    probe = run_fresh_interpreter(task_root, "data", tmp_path)

    assert probe["status"] == 200
    assert probe["parquet_sum"] == 10.0
    assert probe["outside_task_root"] == []
    assert result.manifest["unzipped_bytes"] < 250 * 1024 * 1024


@pytest.mark.parametrize("artifact_inputs", [("slim", "other")], indirect=True, ids=["slim"])
def test_the_other_architectures_slim_artifact_passes_the_import_free_checks(
    artifact_inputs, tmp_path
):
    profile, arch = artifact_inputs
    result, task_root = build_and_unzip(profile, arch, tmp_path)

    import_free_checks(result, task_root, profile, arch)
    assert result.artifact.name.startswith(f"parakeet-slim-{OTHER_ARCH}-py312-")
