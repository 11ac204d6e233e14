"""Removing what Lambda never needs from an unpacked dependency tree, rule by rule.

Each rule is a predicate over a file's path relative to the artifact root; the first rule
that matches removes the file and is credited with its bytes. Licences are never removed.
The report (files and bytes per rule, pyarrow components removed or kept) goes in the
manifest.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from parakeet.packaging.elf import is_elf, needed_libraries

Parts = tuple[str, ...]

BOTO_TOPS = ("boto3", "botocore", "s3transfer")
TEST_DIRS = frozenset({"tests", "test"})
KEEP_TEST_DIRS = frozenset({("django", "test")})  # django.test is imported at runtime
DOC_DIRS = frozenset({"docs", "doc"})
C_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".cuh", ".c", ".cc", ".cpp", ".cxx"})
CYTHON_SUFFIXES = frozenset({".pyx", ".pxd", ".pxi"})
DOC_SUFFIXES = frozenset({".rst", ".md"})
LICENCE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")


@dataclass(frozen=True)
class Component:
    """An optional part of pyarrow: its files, and the imports that mean the code needs it."""

    files: tuple[str, ...]
    modules: tuple[str, ...]


# Optional pyarrow components: removed unless the project's code imports them. pyarrow imports
# each of them inside try/except ImportError. A library a kept module links against
# (``DT_NEEDED``) stays whatever its component says (``libarrow_substrait`` is one).
PYARROW_COMPONENTS: dict[str, Component] = {
    "azure": Component(("pyarrow/_azurefs*",), ("pyarrow._azurefs", "pyarrow.fs.AzureFileSystem")),
    "cpp_tests": Component(("pyarrow/_pyarrow_cpp_tests*",), ("pyarrow._pyarrow_cpp_tests",)),
    "cuda": Component(
        ("pyarrow/_cuda*", "pyarrow/cuda.py", "pyarrow/libarrow_cuda*"),
        ("pyarrow.cuda", "pyarrow._cuda"),
    ),
    "flight": Component(
        (
            "pyarrow/_flight*",
            "pyarrow/flight.py",
            "pyarrow/libarrow_flight*",
            "pyarrow/libarrow_python_flight*",
        ),
        ("pyarrow.flight", "pyarrow._flight"),
    ),
    "gandiva": Component(("pyarrow/gandiva*", "pyarrow/libgandiva*"), ("pyarrow.gandiva",)),
    "gcs": Component(("pyarrow/_gcsfs*",), ("pyarrow._gcsfs", "pyarrow.fs.GcsFileSystem")),
    "hdfs": Component(("pyarrow/_hdfs*",), ("pyarrow._hdfs", "pyarrow.fs.HadoopFileSystem")),
    "s3": Component(
        ("pyarrow/_s3fs*", "pyarrow/libarrow_s3*"),
        ("pyarrow._s3fs", "pyarrow.fs.S3FileSystem"),
    ),
    "substrait": Component(
        ("pyarrow/_substrait*", "pyarrow/substrait.py", "pyarrow/libarrow_substrait*"),
        ("pyarrow.substrait", "pyarrow._substrait"),
    ),
}
_SHARED_LIBRARY = re.compile(r"^(?P<stem>lib.+?\.so)(?P<version>(\.\d+)*)$")


@dataclass
class Savings:
    files: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class PruneOptions:
    languages: frozenset[str] = frozenset({"en"})
    keep_boto3: bool = False
    pyarrow_needed: frozenset[str] = frozenset()


@dataclass
class PruneReport:
    rules: dict[str, Savings] = field(default_factory=dict)
    pyarrow_removed: list[str] = field(default_factory=list)
    pyarrow_kept: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return sum(s.files for s in self.rules.values())

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.rules.values())


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Callable[[Parts], bool]


def _in_dist_info(parts: Parts) -> bool:
    return parts[0].endswith(".dist-info")


def is_boto(parts: Parts) -> bool:
    top = parts[0]
    return top in BOTO_TOPS or any(
        top.startswith(f"{t}-") and _in_dist_info(parts) for t in BOTO_TOPS
    )


def is_test_code(parts: Parts) -> bool:
    for index, part in enumerate(parts[:-1]):
        if part in TEST_DIRS and tuple(parts[: index + 1]) not in KEEP_TEST_DIRS:
            return True
    return False


def is_bytecode(parts: Parts) -> bool:
    return "__pycache__" in parts or parts[-1].endswith((".pyc", ".pyo"))


def _suffix(parts: Parts) -> str:
    name = parts[-1]
    return name[name.rfind(".") :] if "." in name else ""


def is_c_source(parts: Parts) -> bool:
    return _suffix(parts) in C_SUFFIXES


def is_cython_source(parts: Parts) -> bool:
    return _suffix(parts) in CYTHON_SUFFIXES


def is_type_stub(parts: Parts) -> bool:
    return _suffix(parts) == ".pyi"


def is_documentation(parts: Parts) -> bool:
    if _in_dist_info(parts) or parts[-1].upper().startswith(LICENCE_PREFIXES):
        return False
    if any(part in DOC_DIRS for part in parts[1:-1]):
        return True
    return _suffix(parts) in DOC_SUFFIXES


def language_keeper(languages: Iterable[str]) -> Callable[[str], bool]:
    keep: set[str] = set()
    for code in languages:
        normalized = code.lower().replace("_", "-")
        keep.update({normalized, normalized.split("-")[0]})
    return lambda directory: directory.lower().replace("_", "-") in keep


def locale_rule(languages: Iterable[str]) -> Callable[[Parts], bool]:
    keeps = language_keeper(languages)

    def is_other_locale(parts: Parts) -> bool:
        for index, part in enumerate(parts[:-2]):
            if part == "locale":
                return not keeps(parts[index + 1])
        return False

    return is_other_locale


def component_files(root: Path, components: Iterable[str]) -> set[str]:
    patterns = [p for c in components for p in PYARROW_COMPONENTS[c].files]
    pyarrow = root / "pyarrow"
    if not patterns or not pyarrow.is_dir():
        return set()
    names = (f"pyarrow/{p.name}" for p in pyarrow.iterdir() if p.is_file())
    return {n for n in names if any(fnmatch.fnmatchcase(n, pattern) for pattern in patterns)}


def linked_libraries(root: Path, excluding: set[str]) -> set[str]:
    """Every ``DT_NEEDED`` name of the shared objects under ``root`` not in ``excluding``."""
    needed: set[str] = set()
    for path in root.rglob("*.so*"):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and relative not in excluding and is_elf(path):
            needed |= needed_libraries(path)
    return needed


def removable_component_files(root: Path, components: Iterable[str]) -> set[str]:
    """Files of the given components that no remaining library links against."""
    candidates = component_files(root, components)
    needed = linked_libraries(root, excluding=candidates)
    return {c for c in candidates if c.rsplit("/", 1)[-1] not in needed}


def duplicate_library_copies(root: Path) -> set[str]:
    """``libx.so`` / ``libx.so.1.2.3`` copies of a ``libx.so.1`` that the loader uses.

    Wheels can't hold symlinks, so some ship the linker name and the full version as extra
    identical copies. Only copies nothing links against, identical to a linked sibling, go.
    """
    groups: dict[tuple[Path, str], list[Path]] = {}
    for path in root.rglob("lib*.so*"):
        match = _SHARED_LIBRARY.match(path.name)
        if match and path.is_file():
            groups.setdefault((path.parent, match["stem"]), []).append(path)
    groups = {key: paths for key, paths in groups.items() if len(paths) > 1}
    if not groups:
        return set()
    needed = linked_libraries(root, excluding=set())
    duplicates: set[str] = set()
    for paths in groups.values():
        linked = [p for p in paths if p.name in needed]
        digests = {_digest(p) for p in linked}
        for path in paths:
            if path.name not in needed and _digest(path) in digests:
                duplicates.add(path.relative_to(root).as_posix())
    return duplicates


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def app_static_sources(root: Path) -> set[str]:
    """Files under ``<app>/static/`` of installed Django apps (a directory with ``apps.py``).

    In production WhiteNoise serves the collected copies in ``staticfiles/`` (finders are
    off unless DEBUG), so the sources are only read by ``collectstatic``, before packaging.
    """
    found: set[str] = set()
    for directory in root.rglob("static"):
        if directory.is_dir() and (directory.parent / "apps.py").is_file():
            found.update(
                p.relative_to(root).as_posix() for p in directory.rglob("*") if p.is_file()
            )
    return found


def listed(names: AbstractSet[str]) -> Callable[[Parts], bool]:
    return lambda parts: "/".join(parts) in names


def rules_for(
    options: PruneOptions,
    *,
    pyarrow_files: AbstractSet[str] = frozenset(),
    duplicate_libraries: AbstractSet[str] = frozenset(),
    static_sources: AbstractSet[str] = frozenset(),
) -> list[Rule]:
    rules = []
    if not options.keep_boto3:
        rules.append(Rule("bundled boto3/botocore/s3transfer (Lambda provides them)", is_boto))
    rules += [
        Rule("tests of dependencies", is_test_code),
        Rule("__pycache__ and stale bytecode", is_bytecode),
        Rule("C/C++ sources and headers", is_c_source),
        Rule("Cython sources (.pyx/.pxd/.pxi)", is_cython_source),
        Rule("type stubs (.pyi)", is_type_stub),
        Rule("documentation", is_documentation),
        Rule("unused locales", locale_rule(options.languages)),
        Rule("static sources of Django apps (served from staticfiles/)", listed(static_sources)),
        Rule("unused pyarrow components", listed(pyarrow_files)),
        Rule("duplicate shared library copies", listed(duplicate_libraries)),
    ]
    return rules


def imported_modules(sources: Iterable[Path], *, mentioning: bytes = b"") -> set[str]:
    """Dotted names the files import (``from a import b`` gives ``a`` and ``a.b``); only files
    whose text contains ``mentioning`` are parsed."""
    found: set[str] = set()
    for source in sources:
        text = source.read_bytes()
        if mentioning not in text:
            continue
        try:
            tree = ast.parse(text, filename=str(source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imported_pyarrow_components(sources: Iterable[Path]) -> frozenset[str]:
    """Optional pyarrow components the given Python files import (static check, by AST)."""
    modules = imported_modules(sources, mentioning=b"pyarrow")
    return frozenset(
        name
        for name, component in PYARROW_COMPONENTS.items()
        if any(m == c or m.startswith(c + ".") for m in modules for c in component.modules)
    )


def prune(root: Path, options: PruneOptions = PruneOptions()) -> PruneReport:
    """Delete matching files under ``root`` (a site-packages-like tree); report the savings."""
    has_pyarrow = (root / "pyarrow").is_dir()
    report = PruneReport()
    if has_pyarrow:
        report.pyarrow_kept = sorted(options.pyarrow_needed & PYARROW_COMPONENTS.keys())
        report.pyarrow_removed = sorted(PYARROW_COMPONENTS.keys() - options.pyarrow_needed)
    pyarrow_files = removable_component_files(root, report.pyarrow_removed)
    rules = rules_for(
        options,
        pyarrow_files=pyarrow_files,
        duplicate_libraries=duplicate_library_copies(root) - pyarrow_files,
        static_sources=app_static_sources(root),
    )
    report.rules = {rule.name: Savings() for rule in rules}
    for path in sorted(p for p in root.rglob("*") if not p.is_dir()):
        parts = path.relative_to(root).parts
        for rule in rules:
            if rule.matches(parts):
                savings = report.rules[rule.name]
                savings.files += 1
                savings.bytes += path.lstat().st_size
                path.unlink()
                break
    _remove_empty_directories(root)
    return report


def _remove_empty_directories(root: Path) -> None:
    for directory in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
