"""Removing what Lambda never needs from an unpacked dependency tree, rule by rule.

Each rule is a predicate over a file's path relative to the artifact root; the first rule
that matches removes the file and is credited with its bytes. Licences are never removed.
The report (files and bytes per rule, pyarrow components removed or kept) goes in the
manifest.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

Parts = tuple[str, ...]

BOTO_TOPS = ("boto3", "botocore", "s3transfer")
TEST_DIRS = frozenset({"tests", "test"})
KEEP_TEST_DIRS = frozenset({("django", "test")})  # django.test is imported at runtime
DOC_DIRS = frozenset({"docs", "doc"})
C_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".cuh", ".c", ".cc", ".cpp", ".cxx"})
CYTHON_SUFFIXES = frozenset({".pyx", ".pxd", ".pxi"})
DOC_SUFFIXES = frozenset({".rst", ".md"})
LICENCE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")
# Optional pyarrow components: removed unless the project's code imports them.
PYARROW_COMPONENTS: dict[str, tuple[str, ...]] = {
    "cuda": ("pyarrow/_cuda*", "pyarrow/cuda.py", "pyarrow/libarrow_cuda*"),
    "flight": (
        "pyarrow/_flight*",
        "pyarrow/flight.py",
        "pyarrow/libarrow_flight*",
        "pyarrow/libarrow_python_flight*",
    ),
    "gandiva": ("pyarrow/gandiva*", "pyarrow/libgandiva*"),
    "substrait": ("pyarrow/_substrait*", "pyarrow/substrait.py", "pyarrow/libarrow_substrait*"),
}


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


def pyarrow_rule(removed: Iterable[str]) -> Callable[[Parts], bool]:
    patterns = [p for component in removed for p in PYARROW_COMPONENTS[component]]

    def is_unused_pyarrow(parts: Parts) -> bool:
        if parts[0] != "pyarrow":
            return False
        path = "/".join(parts)
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)

    return is_unused_pyarrow


def rules_for(options: PruneOptions, pyarrow_removed: Iterable[str]) -> list[Rule]:
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
        Rule("unused pyarrow components", pyarrow_rule(pyarrow_removed)),
    ]
    return rules


def imported_pyarrow_components(sources: Iterable[Path]) -> frozenset[str]:
    """Optional pyarrow components the given Python files import (static check, by AST)."""
    found: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source.read_bytes(), filename=str(source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for module in modules:
                parts = module.split(".")
                if parts[0] == "pyarrow" and len(parts) > 1 and parts[1] in PYARROW_COMPONENTS:
                    found.add(parts[1])
    return frozenset(found)


def prune(root: Path, options: PruneOptions = PruneOptions()) -> PruneReport:
    """Delete matching files under ``root`` (a site-packages-like tree); report the savings."""
    has_pyarrow = (root / "pyarrow").is_dir()
    report = PruneReport()
    if has_pyarrow:
        report.pyarrow_kept = sorted(options.pyarrow_needed & PYARROW_COMPONENTS.keys())
        report.pyarrow_removed = sorted(PYARROW_COMPONENTS.keys() - options.pyarrow_needed)
    rules = rules_for(options, report.pyarrow_removed)
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
