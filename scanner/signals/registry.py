"""The three scanners: catalogue entries for ``GET /api/scanner`` and :func:`run_scan`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from scanner.signals import mean_reversion, momentum, quallamaggie
from scanner.signals.bars import Bars, ScanFilters
from scanner.signals.results import ScanResult

# Entries of the old API, unchanged (contract §2.5).
SCANNERS: tuple[dict[str, object], ...] = (
    {
        "name": "quallamaggie",
        "description": "High Tight Flag pattern scanner based on Qullamaggie strategy",
        "signals": ["BUY", "WATCH", "HOLD"],
        "parameters": ["min_gain_25d", "max_pullback", "volume_surge"],
    },
    {
        "name": "momentum",
        "description": "12-month momentum with relative strength",
        "signals": ["STRONG_BUY", "BUY", "HOLD", "SELL"],
        "parameters": ["lookback_days", "min_momentum"],
    },
    {
        "name": "mean_reversion",
        "description": "Mean reversion scanner for oversold stocks",
        "signals": ["OVERSOLD", "NEUTRAL", "OVERBOUGHT"],
        "parameters": ["rsi_threshold", "bollinger_std"],
    },
)
SCANNER_TYPES = tuple(str(entry["name"]) for entry in SCANNERS)

# Tunable parameters per scanner and their (type, lower bound, upper bound).
_PARAMETERS: dict[str, dict[str, tuple[type, float, float]]] = {
    "quallamaggie": {},
    "momentum": {"lookback_days": (int, 22, 2520), "min_momentum": (float, -1.0, 100.0)},
    "mean_reversion": {"rsi_threshold": (float, 0.0, 50.0), "bollinger_std": (float, 0.1, 10.0)},
}


def check_parameters(scanner_type: str, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated scanner parameters (ValueError naming the bad key)."""
    if scanner_type not in SCANNER_TYPES:
        raise ValueError(f"Unknown scanner_type '{scanner_type}'; expected one of {SCANNER_TYPES}")
    declared = _PARAMETERS[scanner_type]
    checked: dict[str, Any] = {}
    for key, value in (parameters or {}).items():
        if key not in declared:
            raise ValueError(f"Unknown parameter '{key}'; expected a subset of {list(declared)}")
        kind, low, high = declared[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"Invalid parameter '{key}': must be a number (got {value!r})")
        if kind is int and float(value) != int(value):
            raise ValueError(f"Invalid parameter '{key}': must be an integer (got {value!r})")
        if not low <= value <= high:
            raise ValueError(f"Invalid parameter '{key}': must be between {low:g} and {high:g}")
        checked[key] = kind(value)
    return checked


def run_scan(
    scanner_type: str,
    bars: Bars,
    *,
    filters: ScanFilters | None = None,
    names: Mapping[str, str] | None = None,
    universe: Sequence[str] | None = None,
    benchmark: pd.Series | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ScanResult:
    """Run one scanner over ``bars`` (the scan date is the last row).

    ``universe`` is the requested ticker list: tickers in it without any bars count as
    scanned and skipped (too little history); bars of tickers outside it are ignored.
    ``benchmark`` is SPY's close (quallamaggie only).
    """
    checked = check_parameters(scanner_type, parameters)
    filters = filters or ScanFilters()
    missing = 0
    if universe is not None:
        wanted = pd.Index(list(dict.fromkeys(universe)))
        present = wanted[wanted.isin(bars.close.columns)]
        missing = len(wanted) - len(present)
        bars = Bars(
            close=bars.close[present],
            high=bars.high[present],
            low=bars.low[present],
            volume=bars.volume[present],
        )
    if scanner_type == "quallamaggie":
        return quallamaggie.scan(
            bars, filters=filters, names=names, benchmark=benchmark, missing=missing
        )
    if scanner_type == "momentum":
        return momentum.scan(bars, filters=filters, names=names, missing=missing, **checked)
    return mean_reversion.scan(bars, filters=filters, names=names, missing=missing, **checked)
