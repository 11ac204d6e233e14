"""A whole ``manage.py package`` build from synthetic inputs: a tiny lock, a local wheelhouse
and a tiny project. Checks reproducibility, the manifest, wheel verification and budgets."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import marshal
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from parakeet.packaging.budget import BudgetExceeded
from parakeet.packaging.build import BuildOptions, build_artifact
from parakeet.packaging.compile import LAMBDA_TASK_ROOT, compile_tree
from parakeet.packaging.target import Target
from parakeet.packaging.wheels import WheelUnavailable

ARM = Target("arm64", "3.12")
INDEX = "https://files.example/packages"
HOST_IS_TARGET = f"{sys.version_info.major}.{sys.version_info.minor}" == "3.12"


def write_wheel(directory: Path, filename: str, files: dict[str, bytes]) -> str:
    path = directory / filename
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_inputs(root: Path) -> dict[str, Path]:
    """uv.lock + wheelhouse + project for a project depending on alpha (-> beta, gamma[x86])."""
    wheelhouse = root / "wheelhouse"
    wheelhouse.mkdir(parents=True)
    alpha = write_wheel(
        wheelhouse,
        "alpha-1.0-py3-none-any.whl",
        {
            "alpha/__init__.py": b"import beta\nVALUE = {'a', 'b', 'c'}\n",
            "alpha/tests/test_alpha.py": b"def test(): pass\n",
            "alpha/locale/fr/LC_MESSAGES/alpha.mo": b"fr" * 100,
            "alpha-1.0.dist-info/METADATA": b"Name: alpha\nVersion: 1.0\n",
        },
    )
    beta = write_wheel(
        wheelhouse,
        "beta-2.0-cp312-cp312-manylinux_2_28_aarch64.whl",
        {"beta/__init__.py": b"ANSWER = 42\n", "beta/_native.h": b"/* header */\n"},
    )
    lock = f"""
version = 1
requires-python = "==3.12.*"

[[package]]
name = "alpha"
version = "1.0"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [
    {{ name = "beta" }},
    {{ name = "gamma", marker = "sys_platform == 'win32'" }},
]
wheels = [{{ url = "{INDEX}/alpha-1.0-py3-none-any.whl", hash = "sha256:{alpha}" }}]

[[package]]
name = "beta"
version = "2.0"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [
    {{ url = "{INDEX}/beta-2.0-cp312-cp312-manylinux_2_28_aarch64.whl", hash = "sha256:{beta}" }},
    {{ url = "{INDEX}/beta-2.0-cp312-cp312-win_amd64.whl", hash = "sha256:00" }},
]

[[package]]
name = "gamma"
version = "3.0"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [{{ url = "{INDEX}/gamma-3.0-cp312-cp312-win_amd64.whl", hash = "sha256:00" }}]

[[package]]
name = "parakeet"
version = "2.0.0"
source = {{ virtual = "." }}
dependencies = [{{ name = "alpha" }}]
"""
    (root / "uv.lock").write_text(lock)
    project = root / "project"
    for name, text in {
        "parakeet/__init__.py": "",
        "parakeet/lambda_handler.py": "def handler(event, context):\n    return {'ok': True}\n",
        "parakeet/tests/test_x.py": "def test(): pass\n",
        "trades/__init__.py": "",
        "manage.py": "#!/usr/bin/env python\n",
        "staticfiles/admin/css/base.css": "body {}\n",
    }.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (project / "manage.py").chmod(0o755)
    return {"lock": root / "uv.lock", "wheelhouse": wheelhouse, "project": project}


def options(inputs: dict[str, Path], output: Path, **changes: Any) -> BuildOptions:
    base = BuildOptions(
        profile="data",
        target=ARM,
        output_dir=output,
        lock_path=inputs["lock"],
        base_dir=inputs["project"],
        cache_dir=output / "cache",
        static_root=inputs["project"] / "staticfiles",
        wheelhouse=inputs["wheelhouse"],
        download=no_network,
    )
    return dataclasses.replace(base, **changes)


def no_network(url: str, destination: Path) -> None:
    raise AssertionError(f"tried to download {url}")


def touch_everything(root: Path, mtime: int) -> None:
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime))


def test_same_inputs_give_the_same_bytes_whatever_the_mtimes(tmp_path):
    inputs = make_inputs(tmp_path / "in")
    first = build_artifact(options(inputs, tmp_path / "dist1"))
    touch_everything(inputs["project"], 1_234_567_890)
    second = build_artifact(options(inputs, tmp_path / "dist2"))

    assert first.artifact.name == second.artifact.name
    assert first.artifact.read_bytes() == second.artifact.read_bytes()
    assert first.manifest_path.read_bytes() == second.manifest_path.read_bytes()
    digest = hashlib.sha256(first.artifact.read_bytes()).hexdigest()
    assert first.artifact.name == f"parakeet-data-arm64-py312-{digest[:16]}.zip"


def test_artifact_contents(tmp_path):
    inputs = make_inputs(tmp_path / "in")

    result = build_artifact(options(inputs, tmp_path / "dist"))

    with zipfile.ZipFile(result.artifact) as archive:
        names = set(archive.namelist())
    assert {
        "alpha/__init__.py",
        "beta/__init__.py",
        "alpha-1.0.dist-info/METADATA",
        "parakeet/lambda_handler.py",
        "trades/__init__.py",
        "manage.py",
        "staticfiles/admin/css/base.css",
    } <= names
    assert "alpha/tests/test_alpha.py" not in names  # dependency tests pruned
    assert "alpha/locale/fr/LC_MESSAGES/alpha.mo" not in names
    assert "beta/_native.h" not in names
    assert "parakeet/tests/test_x.py" not in names  # our tests don't ship either
    assert not any(n.startswith("gamma") for n in names)  # win32-only dependency


def test_manifest_describes_every_file_and_the_savings(tmp_path):
    inputs = make_inputs(tmp_path / "in")

    result = build_artifact(options(inputs, tmp_path / "dist", compile=False))

    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["artifact"] == result.artifact.name
    assert manifest["sha256"] == hashlib.sha256(result.artifact.read_bytes()).hexdigest()
    assert manifest["dependencies"] == {"alpha": "1.0", "beta": "2.0"}
    assert manifest["wheels"]["beta"] == "beta-2.0-cp312-cp312-manylinux_2_28_aarch64.whl"
    assert manifest["zipped_bytes"] == result.artifact.stat().st_size
    with zipfile.ZipFile(result.artifact) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        for entry in manifest["files"]:
            data = archive.read(entry["path"])
            assert entry["size"] == len(data)
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(manifest["files"]) == len(infos) == manifest["file_count"]
    assert manifest["unzipped_bytes"] == sum(i.file_size for i in infos.values())
    pruning = manifest["pruning"]
    assert pruning["rules"]["tests of dependencies"]["files"] == 1
    assert pruning["rules"]["unused locales"]["bytes"] == 200
    assert pruning["total_files"] == 3
    assert manifest["compile"] == "not byte-compiled (--no-compile)"
    assert str(tmp_path) not in result.manifest_path.read_text()  # no host paths
    stable = tmp_path / "dist" / "parakeet-data-arm64.manifest.json"
    assert json.loads(stable.read_text()) == manifest


@pytest.mark.skipif(not HOST_IS_TARGET, reason="byte-compiling needs a Python 3.12 host")
def test_compiled_artifact_has_unchecked_hash_pycs_pointing_at_var_task(tmp_path):
    inputs = make_inputs(tmp_path / "in")

    result = build_artifact(options(inputs, tmp_path / "dist"))

    with zipfile.ZipFile(result.artifact) as archive:
        pyc = archive.read("alpha/__pycache__/__init__.cpython-312.pyc")
    flags = int.from_bytes(pyc[4:8], "little")
    assert flags == 0b01  # hash-based, unchecked
    code = marshal.loads(pyc[16:])
    assert code.co_filename == f"{LAMBDA_TASK_ROOT}/alpha/__init__.py"
    assert result.manifest["compile"] == "byte-compiled (unchecked-hash)"


def test_compile_is_skipped_with_a_note_without_a_target_interpreter(tmp_path, monkeypatch):
    monkeypatch.setattr("parakeet.packaging.compile.find_interpreter", lambda target: None)

    result = compile_tree(tmp_path, Target("arm64", "3.12"))

    assert result.compiled is False
    assert "no Python 3.12 here" in result.note


def test_a_wheel_missing_from_the_wheelhouse_is_named(tmp_path):
    inputs = make_inputs(tmp_path / "in")
    (inputs["wheelhouse"] / "beta-2.0-cp312-cp312-manylinux_2_28_aarch64.whl").unlink()

    with pytest.raises(WheelUnavailable, match=r"beta 2\.0: .* is not in the wheelhouse"):
        build_artifact(options(inputs, tmp_path / "dist"))


def test_a_wheel_that_differs_from_the_lock_is_refused(tmp_path):
    inputs = make_inputs(tmp_path / "in")
    write_wheel(inputs["wheelhouse"], "alpha-1.0-py3-none-any.whl", {"alpha/__init__.py": b""})

    with pytest.raises(WheelUnavailable, match=r"alpha 1\.0: .* but uv\.lock says"):
        build_artifact(options(inputs, tmp_path / "dist"))


def test_without_a_wheelhouse_wheels_are_downloaded_once_into_the_cache(tmp_path):
    inputs = make_inputs(tmp_path / "in")
    downloads: list[str] = []

    def fake_download(url: str, destination: Path) -> None:
        downloads.append(url.rsplit("/", 1)[-1])
        destination.write_bytes((inputs["wheelhouse"] / url.rsplit("/", 1)[-1]).read_bytes())

    build = options(inputs, tmp_path / "dist", wheelhouse=None, download=fake_download)
    build_artifact(build)
    build_artifact(build)

    assert sorted(downloads) == [
        "alpha-1.0-py3-none-any.whl",
        "beta-2.0-cp312-cp312-manylinux_2_28_aarch64.whl",
    ]


def test_over_budget_fails_loudly_and_writes_nothing(tmp_path):
    inputs = make_inputs(tmp_path / "in")

    with pytest.raises(BudgetExceeded, match=r"over the --budget-mb budget of 0\.0001 MB"):
        build_artifact(options(inputs, tmp_path / "dist", budget_mb=0.0001, compile=False))

    assert not list((tmp_path / "dist").glob("*.zip"))


def test_package_command_builds_from_a_wheelhouse(tmp_path, settings):
    inputs = make_inputs(tmp_path / "in")
    settings.BASE_DIR = inputs["project"]
    settings.STATIC_ROOT = inputs["project"] / "staticfiles"
    out = tmp_path / "dist"

    call_command(
        "package",
        "--profile=data",
        "--arch=arm64",
        f"--lock={inputs['lock']}",
        f"--wheelhouse={inputs['wheelhouse']}",
        f"--output={out}",
        "--no-compile",
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )

    assert len(list(out.glob("parakeet-data-arm64-py312-*.zip"))) == 1


def test_package_command_reports_failures_as_command_errors(tmp_path, settings):
    inputs = make_inputs(tmp_path / "in")
    settings.BASE_DIR = inputs["project"]

    with pytest.raises(CommandError, match=r"data/arm64: .*over the --budget-mb budget"):
        call_command(
            "package",
            "--profile=data",
            f"--lock={inputs['lock']}",
            f"--wheelhouse={inputs['wheelhouse']}",
            f"--output={tmp_path / 'dist'}",
            "--budget-mb=0.0001",
            "--no-compile",
        )


def test_package_command_download_only_fills_the_cache_and_builds_nothing(tmp_path, settings):
    inputs = make_inputs(tmp_path / "in")
    settings.BASE_DIR = inputs["project"]
    out = tmp_path / "dist"

    call_command(
        "package",
        "--profile=data",
        f"--lock={inputs['lock']}",
        f"--wheelhouse={inputs['wheelhouse']}",
        f"--output={out}",
        "--download-only",
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )

    assert not out.exists()
