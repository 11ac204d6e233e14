"""Declared strategy parameters: defaults and validation of user overrides.

A bad override raises ``ValueError`` with a sentence that names the parameter, e.g.
``Invalid parameter 'top_n': must be an integer between 1 and 1000 (got 0)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ParamValue = int | float | str


@dataclass(frozen=True)
class IntParam:
    name: str
    default: int
    minimum: int
    maximum: int

    def parse(self, value: object) -> int:
        # JSON numbers such as 252.0 are accepted when integral; booleans are not numbers here.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(self.name, f"must be an integer (got {value!r})")
        if isinstance(value, float) and not value.is_integer():
            raise _invalid(self.name, f"must be an integer (got {value!r})")
        number = int(value)
        if not self.minimum <= number <= self.maximum:
            raise _invalid(
                self.name,
                f"must be an integer between {self.minimum} and {self.maximum} (got {value!r})",
            )
        return number


@dataclass(frozen=True)
class FloatParam:
    name: str
    default: float
    minimum: float
    maximum: float
    # Exclusive lower bound: e.g. a z-score entry of 0 would trade on noise alone.
    exclusive_minimum: bool = False

    def parse(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(self.name, f"must be a number (got {value!r})")
        number = float(value)
        low_ok = number > self.minimum if self.exclusive_minimum else number >= self.minimum
        if not math.isfinite(number) or not low_ok or number > self.maximum:
            bound = "greater than" if self.exclusive_minimum else "at least"
            raise _invalid(
                self.name,
                f"must be a number {bound} {self.minimum:g} and at most {self.maximum:g} "
                f"(got {value!r})",
            )
        return number


@dataclass(frozen=True)
class ChoiceParam:
    name: str
    default: str
    choices: tuple[str, ...]

    def parse(self, value: object) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise _invalid(self.name, f"must be one of {list(self.choices)} (got {value!r})")
        return value


Param = IntParam | FloatParam | ChoiceParam


def _invalid(name: str, reason: str) -> ValueError:
    return ValueError(f"Invalid parameter '{name}': {reason}")


def defaults(params: Sequence[Param]) -> dict[str, ParamValue]:
    return {p.name: p.default for p in params}


def resolve(params: Sequence[Param], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults updated with validated ``overrides``; unknown keys are rejected."""
    declared = {p.name: p for p in params}
    resolved: dict[str, Any] = defaults(params)
    for key, value in (overrides or {}).items():
        if key not in declared:
            raise ValueError(f"Unknown parameter '{key}'; expected a subset of {list(declared)}")
        resolved[key] = declared[key].parse(value)
    return resolved
