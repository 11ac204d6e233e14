"""Packaging steps one at a time: lock resolution, wheel tags, install, prune, zip, budget.

No network: the lock is the real ``uv.lock``; wheels and trees are made in ``tmp_path``.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from parakeet.packaging.archive import FIXED_DATE, write_zip
from parakeet.packaging.budget import MB, BudgetExceeded, check_budget
from parakeet.packaging.elf import needed_libraries
from parakeet.packaging.install import UnsafeWheel, install_wheel
from parakeet.packaging.lockfile import read_lock, resolve, roots_for
from parakeet.packaging.manifest import FileEntry, package_of, sizes_by_package
from parakeet.packaging.prune import PruneOptions, imported_pyarrow_components, prune
from parakeet.packaging.strip import strip_tree
from parakeet.packaging.tags import WheelRejected, best_wheel, check_wheel, parse_wheel_filename
from parakeet.packaging.target import Target

ARM = Target("arm64", "3.12")
X86 = Target("x86_64", "3.12")
UV_LOCK = Path(settings.BASE_DIR) / "uv.lock"

# --- tags -----------------------------------------------------------------------------------


def test_wheel_filename_with_compressed_tag_sets():
    tags = parse_wheel_filename(
        "psycopg_binary-3.3.9-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl"
    )

    assert (tags.name, tags.version, tags.build) == ("psycopg_binary", "3.3.9", None)
    assert tags.platforms == {"manylinux_2_27_aarch64", "manylinux_2_28_aarch64"}


@pytest.mark.parametrize(
    "filename",
    [
        "django-6.1.3-py3-none-any.whl",
        "numpy-2.5.5-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
        "cffi-2.1.1-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
        "cryptography-50.0.2-cp39-abi3-manylinux_2_34_aarch64.whl",
        "six-1.17.0-py2.py3-none-any.whl",
        "thing-1.0-1-py3-none-any.whl",
    ],
)
def test_wheels_that_fit_lambda_arm64(filename):
    check_wheel("pkg", filename, ARM)


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("pkg-1.0.tar.gz", "source distribution"),
        ("pkg-1.0-cp312-cp312-manylinux_2_38_aarch64.whl", "needs glibc 2.38, newer than"),
        ("pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "not built for Linux aarch64"),
        ("pkg-1.0-cp312-cp312-musllinux_1_2_aarch64.whl", "not built for Linux aarch64"),
        ("pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl", "not built for Linux aarch64"),
        ("pkg-1.0-cp312-cp312-win_amd64.whl", "not built for Linux aarch64"),
        ("pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl", "not for CPython 3.12"),
        ("pkg-1.0-cp313-abi3-manylinux_2_17_aarch64.whl", "not for CPython 3.12"),
        ("pkg-1.0-py2-none-any.whl", "not for CPython 3.12"),
    ],
)
def test_wheels_that_do_not_fit_are_rejected_naming_the_package(filename, reason):
    with pytest.raises(WheelRejected) as excinfo:
        check_wheel("mypkg 1.0", filename, ARM)

    assert str(excinfo.value).startswith("mypkg 1.0: ")
    assert reason in str(excinfo.value)


def test_best_wheel_prefers_the_target_platform_and_reports_when_none_fits():
    files = [
        "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl",
        "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        "pkg-1.0-cp312-cp312-manylinux_2_28_aarch64.whl",
        "pkg-1.0-cp312-cp312-manylinux_2_39_aarch64.whl",
        "pkg-1.0-cp39-abi3-manylinux_2_28_aarch64.whl",
    ]
    assert best_wheel("pkg", files, ARM) == "pkg-1.0-cp312-cp312-manylinux_2_28_aarch64.whl"
    assert best_wheel("pkg", files, X86) == "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"

    with pytest.raises(WheelRejected, match="pkg: no wheel for Lambda arm64"):
        best_wheel("pkg", ["pkg-1.0.tar.gz", "pkg-1.0-cp312-cp312-win_amd64.whl"], ARM)


# --- lock resolution (the real uv.lock) -----------------------------------------------------


@pytest.fixture(scope="module")
def lock():
    return read_lock(UV_LOCK)


def names(lock, profile, target=ARM):
    return {p.name: p.version for p in resolve(lock, roots_for(lock, profile), target)}


def test_slim_profile_is_the_web_stack_without_pandas(lock):
    slim = names(lock, "slim")

    for needed in ("django", "djangorestframework", "adrf", "psycopg", "psycopg-binary"):
        assert needed in slim
    assert {"cryptography", "cffi", "apig-wsgi", "aws-lambda-powertools", "httpx"} <= set(slim)
    assert not {"pandas", "pyarrow", "numpy"} & set(slim)


def test_data_profile_is_every_runtime_dependency_and_no_dev_tool(lock):
    data = names(lock, "data")

    assert {"pandas", "pyarrow", "numpy", "django", "psycopg-binary"} <= set(data)
    assert not {"pytest", "mypy", "moto", "ruff", "hypothesis", "django-stubs"} & set(data)
    assert set(names(lock, "slim")) <= set(data)


def test_windows_only_dependencies_are_left_out(lock):
    assert not {"colorama", "pywin32"} & set(names(lock, "data"))


def test_both_profiles_carry_the_iana_time_zones(lock):
    # Amazon Linux 2023 has no /usr/share/zoneinfo: zoneinfo falls back to the tzdata wheel.
    assert "tzdata" in names(lock, "slim")
    assert "tzdata" in names(lock, "data")


def test_versions_are_exactly_the_locked_ones(lock):
    assert names(lock, "data")["django"] == lock.packages["django"][0].version


@pytest.mark.parametrize("target", [ARM, X86], ids=["arm64", "x86_64"])
def test_every_locked_runtime_package_has_a_lambda_wheel(lock, target):
    for package in resolve(lock, roots_for(lock, "data"), target):
        best_wheel(package.name, [w.filename for w in package.wheels], target)


# --- install --------------------------------------------------------------------------------


def make_wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_install_puts_lib_data_at_the_root_and_skips_scripts(tmp_path):
    wheel = make_wheel(
        tmp_path / "pkg-1.0-py3-none-any.whl",
        {
            "pkg/__init__.py": b"",
            "pkg-1.0.data/purelib/extra.py": b"",
            "pkg-1.0.data/scripts/tool": b"#!/bin/sh",
            "pkg-1.0.data/headers/pkg.h": b"",
            "pkg-1.0.dist-info/METADATA": b"Name: pkg",
        },
    )

    installed = install_wheel(wheel, tmp_path / "root")

    assert installed == ["extra.py", "pkg-1.0.dist-info/METADATA", "pkg/__init__.py"]


def test_install_refuses_paths_outside_the_root(tmp_path):
    wheel = make_wheel(tmp_path / "evil-1.0-py3-none-any.whl", {"../escape.py": b""})

    with pytest.raises(UnsafeWheel):
        install_wheel(wheel, tmp_path / "root")


# --- prune ----------------------------------------------------------------------------------


def tree(root: Path, files: dict[str, int]) -> None:
    for name, size in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)


SITE = {
    "django/__init__.py": 10,
    "django/test/__init__.py": 11,
    "django/test/client.py": 12,
    "django/conf/locale/__init__.py": 13,
    "django/conf/locale/en/formats.py": 14,
    "django/conf/locale/en/LC_MESSAGES/django.mo": 15,
    "django/conf/locale/fr/formats.py": 100,
    "django/conf/locale/fr/LC_MESSAGES/django.mo": 200,
    "django/contrib/admin/locale/de/LC_MESSAGES/django.mo": 300,
    "rest_framework/locale/en_US/LC_MESSAGES/django.mo": 16,
    "numpy/_core/tests/test_multiarray.py": 1000,
    "numpy/testing/__init__.py": 17,
    "numpy/_core/include/numpy/ndarraytypes.h": 400,
    "numpy/__init__.pyi": 50,
    "numpy/random/_bounded_integers.pxd": 60,
    "numpy/LICENSE.txt": 18,
    "pandas/tests/frame/test_api.py": 2000,
    "pandas/__pycache__/__init__.cpython-312.pyc": 70,
    "pandas/README.md": 5,
    "pyarrow/__init__.py": 19,
    "pyarrow/_flight.cpython-312-aarch64-linux-gnu.so": 5000,
    "pyarrow/libarrow_flight.so.2600": 6000,
    "pyarrow/flight.py": 80,
    "pyarrow/_substrait.cpython-312-aarch64-linux-gnu.so": 700,
    "pyarrow/libarrow.so.2600": 20,
    "pyarrow/src/arrow/python/common.cc": 90,
    "boto3/__init__.py": 800,
    "botocore/data/s3/2006-03-01/service-2.json.gz": 900,
    "boto3-1.44.8.dist-info/METADATA": 30,
    "somepkg/docs/index.html": 40,
    "rest_framework/apps.py": 22,
    "rest_framework/static/rest_framework/css/bootstrap.min.css": 500,
    "somepkg-1.0.dist-info/licenses/LICENSE.md": 21,
}


def remaining(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_prune_removes_what_lambda_never_needs_and_reports_each_rule(tmp_path):
    tree(tmp_path, SITE)

    report = prune(tmp_path, PruneOptions(languages=frozenset({"en-us"})))

    assert remaining(tmp_path) == {
        "django/__init__.py",
        "django/test/__init__.py",
        "django/test/client.py",
        "django/conf/locale/__init__.py",
        "django/conf/locale/en/formats.py",
        "django/conf/locale/en/LC_MESSAGES/django.mo",
        "rest_framework/locale/en_US/LC_MESSAGES/django.mo",
        "rest_framework/apps.py",
        "numpy/testing/__init__.py",
        "numpy/LICENSE.txt",
        "pyarrow/__init__.py",
        "pyarrow/libarrow.so.2600",
        "somepkg-1.0.dist-info/licenses/LICENSE.md",
    }
    rules = {name: (s.files, s.bytes) for name, s in report.rules.items()}
    assert rules["tests of dependencies"] == (2, 3000)
    assert rules["unused locales"] == (3, 600)
    assert rules["bundled boto3/botocore/s3transfer (Lambda provides them)"] == (3, 1730)
    assert rules["C/C++ sources and headers"] == (2, 490)
    assert rules["type stubs (.pyi)"] == (1, 50)
    assert rules["Cython sources (.pyx/.pxd/.pxi)"] == (1, 60)
    assert rules["__pycache__ and stale bytecode"] == (1, 70)
    assert rules["documentation"] == (2, 45)
    assert rules["unused pyarrow components"] == (4, 11780)
    assert rules["static sources of Django apps (served from staticfiles/)"] == (1, 500)
    assert report.pyarrow_removed == [
        "azure",
        "cpp_tests",
        "cuda",
        "flight",
        "gandiva",
        "gcs",
        "hdfs",
        "s3",
        "substrait",
    ]
    assert report.bytes == sum(SITE.values()) - sum(
        (tmp_path / p).stat().st_size for p in remaining(tmp_path)
    )
    assert not (tmp_path / "pandas").exists()  # emptied directories go too


def test_prune_keeps_boto3_on_request_and_pyarrow_components_the_code_imports(tmp_path):
    tree(tmp_path, SITE)

    report = prune(tmp_path, PruneOptions(keep_boto3=True, pyarrow_needed=frozenset({"flight"})))

    left = remaining(tmp_path)
    assert "boto3/__init__.py" in left
    assert "pyarrow/libarrow_flight.so.2600" in left
    assert "pyarrow/_substrait.cpython-312-aarch64-linux-gnu.so" not in left
    assert report.pyarrow_kept == ["flight"]


def test_imported_pyarrow_components_are_found_by_reading_the_code(tmp_path):
    (tmp_path / "a.py").write_text("import pyarrow.flight\nimport pyarrow.parquet as pq\n")
    (tmp_path / "b.py").write_text("from pyarrow import substrait, compute\n")
    (tmp_path / "c.py").write_text("from pyarrow.gandiva import make_projector\n")
    (tmp_path / "d.py").write_text("from pyarrow.fs import S3FileSystem, LocalFileSystem\n")
    (tmp_path / "e.py").write_text("this is not python (")

    assert imported_pyarrow_components(sorted(tmp_path.glob("*.py"))) == {
        "flight",
        "substrait",
        "gandiva",
        "s3",
    }


def make_elf(needed: list[str]) -> bytes:
    """A minimal 64-bit little-endian ELF whose dynamic section names ``needed``."""
    strings = b"\0"
    offsets = []
    for name in needed:
        offsets.append(len(strings))
        strings += name.encode() + b"\0"
    dynamic = b"".join(struct.pack("<qQ", 1, o) for o in offsets) + struct.pack("<qQ", 0, 0)
    strings_at = 64
    dynamic_at = strings_at + len(strings)
    sections_at = dynamic_at + len(dynamic)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, sections_at, 0, 64, 0, 0, 64, 3, 0)

    def section(kind: int, offset: int, size: int, link: int) -> bytes:
        return struct.pack("<IIQQQQIIQQ", 0, kind, 0, 0, offset, size, link, 0, 0, 0)

    return (
        header
        + strings
        + dynamic
        + section(0, 0, 0, 0)
        + section(3, strings_at, len(strings), 0)
        + section(6, dynamic_at, len(dynamic), 1)
    )


def test_needed_libraries_reads_the_dynamic_section(tmp_path):
    path = tmp_path / "lib.so"
    path.write_bytes(make_elf(["libarrow.so.2600", "libc.so.6"]))

    assert needed_libraries(path) == {"libarrow.so.2600", "libc.so.6"}
    (tmp_path / "x.py").write_text("print()\n")
    assert needed_libraries(tmp_path / "x.py") == frozenset()


def test_a_component_library_that_a_kept_module_links_against_stays(tmp_path):
    (tmp_path / "pyarrow").mkdir()
    core = make_elf(["libarrow.so.2600", "libarrow_substrait.so.2600"])
    (tmp_path / "pyarrow/lib.cpython-312-aarch64-linux-gnu.so").write_bytes(core)
    (tmp_path / "pyarrow/libarrow_substrait.so.2600").write_bytes(make_elf([]))
    (tmp_path / "pyarrow/_substrait.cpython-312-aarch64-linux-gnu.so").write_bytes(make_elf([]))
    (tmp_path / "pyarrow/libarrow_flight.so.2600").write_bytes(make_elf([]))

    prune(tmp_path)

    assert remaining(tmp_path) == {
        "pyarrow/lib.cpython-312-aarch64-linux-gnu.so",
        "pyarrow/libarrow_substrait.so.2600",
    }


def test_identical_unlinked_copies_of_a_shared_library_go(tmp_path):
    (tmp_path / "pyarrow").mkdir()
    library = make_elf(["libarrow.so.2600"])
    (tmp_path / "pyarrow/lib.cpython-312-x86_64-linux-gnu.so").write_bytes(
        make_elf(["libarrow_python.so.2600"])
    )
    for name in ("libarrow_python.so", "libarrow_python.so.2600", "libarrow_python.so.2600.1.0"):
        (tmp_path / "pyarrow" / name).write_bytes(library)
    (tmp_path / "pyarrow/libother.so").write_bytes(b"different")
    (tmp_path / "pyarrow/libother.so.1").write_bytes(make_elf([]))

    report = prune(tmp_path)

    assert remaining(tmp_path) == {
        "pyarrow/lib.cpython-312-x86_64-linux-gnu.so",
        "pyarrow/libarrow_python.so.2600",
        "pyarrow/libother.so",
        "pyarrow/libother.so.1",
    }
    assert report.rules["duplicate shared library copies"].files == 2


def test_the_project_does_not_import_optional_pyarrow_components():
    base = Path(settings.BASE_DIR)
    sources = [
        p
        for package in ("parakeet", "trades", "market", "ingest", "strategies", "scanner")
        for p in (base / package).rglob("*.py")
    ]

    assert imported_pyarrow_components(sources) == frozenset()


# --- archive --------------------------------------------------------------------------------


def test_zip_is_reproducible_whatever_the_mtimes(tmp_path):
    files = {"b/mod.py": b"x = 1\n", "a.py": b"print()\n", "run.sh": b"#!/bin/sh\n"}
    for build, mtime in (("one", 1_000_000_000), ("two", 1_700_000_000)):
        for name, data in files.items():
            path = tmp_path / build / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(0o755 if name.endswith(".sh") else 0o600)
            os.utime(path, (mtime, mtime))

    first = write_zip(tmp_path / "one", tmp_path / "one.zip")
    second = write_zip(tmp_path / "two", tmp_path / "two.zip")

    assert first == second
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["a.py", "b/mod.py", "run.sh"]
    assert {i.date_time for i in infos} == {FIXED_DATE}
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in infos}
    assert modes == {"a.py": 0o644, "b/mod.py": 0o644, "run.sh": 0o755}
    assert not any(str(tmp_path) in i.filename for i in infos)


# --- manifest and budget --------------------------------------------------------------------


def test_files_are_counted_under_their_top_level_package():
    assert package_of("numpy.libs/libopenblas.so") == "numpy"
    assert package_of("numpy-2.5.5.dist-info/RECORD") == "numpy"
    assert package_of("manage.py") == "manage"
    assert package_of("pyarrow/lib.so") == "pyarrow"


def test_budget_failure_lists_the_ten_largest_packages():
    sizes = {f"pkg{i:02d}": (i + 1) * MB for i in range(12)}
    entries = [FileEntry(f"{name}/x", size, "0") for name, size in sizes.items()]
    by_package = sizes_by_package(entries)

    with pytest.raises(BudgetExceeded) as excinfo:
        check_budget(sum(sizes.values()), by_package, budget_mb=50)

    message = str(excinfo.value)
    assert "78.0 MB unzipped, over the --budget-mb budget of 50 MB" in message
    assert "12.0 MB  pkg11" in message
    assert "3.0 MB  pkg02" in message
    assert "pkg01" not in message
    assert "pkg00" not in message


def test_lambda_limit_applies_without_a_budget():
    with pytest.raises(BudgetExceeded, match="over Lambda's unzipped limit of 250 MB"):
        check_budget(251 * MB, {"pyarrow": 251 * MB})

    check_budget(249 * MB, {"pyarrow": 249 * MB})


# --- strip ----------------------------------------------------------------------------------


def test_strip_runs_the_tool_on_shared_libraries_only(tmp_path):
    tool = tmp_path / "fake-strip"
    log = tmp_path / "calls.txt"
    tool.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "fake strip version 1.0"; exit 0; fi\n'
        f'echo "$@" >> {log}\n'
        'shift; for f in "$@"; do head -c 64 "$f" > "$f.tmp" && mv "$f.tmp" "$f"; done\n'
    )
    tool.chmod(0o755)
    root = tmp_path / "root"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg/_ext.cpython-312-aarch64-linux-gnu.so").write_bytes(make_elf([]) + b"\0" * 500)
    (root / "pkg/libdep.so.1").write_bytes(make_elf([]) + b"\0" * 300)
    (root / "pkg/module.py").write_text("x = 1\n")
    (root / "pkg/fake.so").write_bytes(b"not an ELF file")

    result = strip_tree(root, ARM, tool=str(tool))

    assert result.stripped is True
    assert result.files == 2
    assert result.bytes_saved == 800 + 2 * (len(make_elf([])) - 64)
    assert "fake strip version 1.0" in result.note
    assert log.read_text().split() == [
        "--strip-unneeded",
        str(root / "pkg/_ext.cpython-312-aarch64-linux-gnu.so"),
        str(root / "pkg/libdep.so.1"),
    ]


def test_strip_is_skipped_with_a_note_without_a_tool(tmp_path, monkeypatch):
    monkeypatch.setattr("parakeet.packaging.strip.find_strip_tool", lambda target: None)

    result = strip_tree(tmp_path, ARM)

    assert result.stripped is False
    assert "no llvm-strip or aarch64-linux-gnu-strip" in result.note
