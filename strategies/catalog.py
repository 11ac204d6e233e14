"""The strategy catalogue as the API shows it (contract §2.3), over the engine's registry.

The registry (``strategies.engine.registry``) imports numpy and pandas, so it is imported
on first use, not when the API modules load. Order, names, categories, descriptions and
default parameters are the engine's; this module only adds the API ``status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

ACTIVE = "active"
NOT_IMPLEMENTED = "not_implemented"
QUANT1_STRATEGIES = ("Momentum", "Dual_Momentum", "HRP", "InverseVolatility")
QUANT2_STRATEGIES = (
    "Regime_Detection",
    "Stat_Arb",
    "Residual_Momentum",
    "Meta_Labeling",
    "Short_Vol",
    "NCO",
)


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    category: str
    description: str
    parameters: Mapping[str, Any]
    status: str
    needs_ohlcv: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "parameters": dict(self.parameters),
            "status": self.status,
        }


@cache
def catalog() -> tuple[CatalogEntry, ...]:
    from strategies.engine.registry import CATALOG

    return tuple(
        CatalogEntry(
            name=spec.name,
            category=spec.category,
            description=spec.description,
            parameters=spec.defaults,
            status=ACTIVE if callable(spec.weights) else NOT_IMPLEMENTED,
            needs_ohlcv=spec.needs_ohlcv,
        )
        for spec in CATALOG
    )


def names() -> list[str]:
    return [entry.name for entry in catalog()]


def find(name: str) -> CatalogEntry | None:
    for entry in catalog():
        if entry.name == name:
            return entry
    return None


def validate_parameters(
    name: str, overrides: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(resolved parameters, {key: message}) for ``overrides`` of strategy ``name``.

    Each key is parsed alone first (so every bad key gets its own message), then all are
    resolved together for rules across keys (e.g. ``skip`` < ``lookback``), reported under
    the empty key.
    """
    from strategies.engine.parameters import resolve
    from strategies.engine.registry import get_strategy, resolve_parameters

    declared = get_strategy(name).parameters
    problems: dict[str, str] = {}
    for key, value in overrides.items():
        try:
            resolve(declared, {key: value})
        except ValueError as exc:
            problems[str(key)] = str(exc)
    if problems:
        return {}, problems
    try:
        return resolve_parameters(name, overrides), {}
    except ValueError as exc:
        return {}, {"": str(exc)}
