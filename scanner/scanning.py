"""What a scan reads and how it calls the pure scanners (``scanner.signals``).

- Tickers: the request's ``custom_tickers``, else the current members of the scanner
  universe (contract §5: ``all`` = SPX500 + US_ETFS + ASX200).
- Bars: stored close, high, low and volume (unadjusted: the price filter and the row's
  ``price`` are the traded price) for enough calendar days before the newest stored bar to
  give every scanner its history (260 rows for quallamaggie's SMA200, ``lookback_days`` + 1
  for momentum).
- Markets: US and ASX tickers trade on different calendars, so a scan that mixes them runs
  once per market (each with its own scan date, the market's newest bar, and its own
  cross-section for relative strength) and the rows are merged, best score first.
- Benchmark (quallamaggie): the stored SPY close for US tickers, STW.AX for ASX tickers;
  without it the scanner compares with the median stock.
- Names: the stored symbol names (from the universe files), else the ticker.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from market import selectors as market
from market.models import Symbol
from scanner.universes import universe_tickers

if TYPE_CHECKING:
    import pandas as pd

    from scanner.signals.results import ScanResult

BENCHMARKS = {"US": "SPY", "AU": "STW.AX"}
MIN_ROWS = 260


class ScanDataError(Exception):
    """The stored data cannot support the scan; the message is a sentence for the client."""


@dataclass(frozen=True)
class ScanOutcome:
    rows: list[dict[str, Any]]
    tickers_scanned: int
    tickers_skipped: int
    parameters: dict[str, Any] = field(default_factory=dict)


def quallamaggie_criteria() -> dict[str, Any]:
    from scanner.signals.quallamaggie import criteria

    return dict(criteria())


def check_parameters(scanner_type: str, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated scanner parameters; ValueError with a sentence naming the bad key."""
    from scanner.signals.registry import check_parameters as check

    return check(scanner_type, parameters)


def market_of(ticker: str) -> str:
    return "AU" if ticker.endswith(".AX") else "US"


def history_rows(scanner_type: str, parameters: Mapping[str, Any]) -> int:
    if scanner_type == "momentum":
        return max(MIN_ROWS, int(parameters.get("lookback_days", 252)) + 1)
    return MIN_ROWS


def history_start(latest: dt.date, scanner_type: str, parameters: Mapping[str, Any]) -> dt.date:
    """The first date read: the scanner's rows of history (252 sessions ≈ 365 days), plus a
    month of slack for holidays."""
    rows = history_rows(scanner_type, parameters)
    return latest - dt.timedelta(days=math.ceil(rows * 365 / 252) + 31)


def _names(tickers: Sequence[str]) -> dict[str, str]:
    rows = Symbol.objects.filter(ticker__in=list(tickers)).exclude(name="")
    return dict(rows.values_list("ticker", "name"))


def _matrix(field_name: str, tickers: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    return market.price_matrix(tickers=tickers, field=field_name, start=start, end=end)


def _scan_market(
    scanner_type: str,
    tickers: list[str],
    *,
    region: str,
    filters: Mapping[str, Any],
    parameters: Mapping[str, Any],
    names: Mapping[str, str],
) -> ScanResult | None:
    """One market's scan, or None when none of its tickers has stored bars."""
    from scanner.signals.bars import Bars, ScanFilters
    from scanner.signals.registry import run_scan as run_signals

    latest = max(market.latest_bar_dates(tickers=tickers).values(), default=None)
    if latest is None:
        return None
    start = history_start(latest, scanner_type, parameters)
    frames = {name: _matrix(name, tickers, start, latest) for name in ("close", "high", "low")}
    volume = _matrix("volume", tickers, start, latest)
    close = frames["close"].dropna(axis=1, how="all")
    bars = Bars.from_frames(close, frames["high"], frames["low"], volume)
    benchmark = None
    if scanner_type == "quallamaggie":
        ticker = BENCHMARKS[region]
        series = _matrix("close", [ticker], start, latest)
        if ticker in series.columns and series[ticker].notna().any():
            benchmark = series[ticker]
    return run_signals(
        scanner_type,
        bars,
        filters=ScanFilters(
            min_price=float(filters["min_price"]),
            max_price=float(filters["max_price"]),
            min_volume=float(filters["min_volume"]),
        ),
        names=names,
        universe=tickers,
        benchmark=benchmark,
        parameters=parameters,
    )


def _row_order(row: Mapping[str, Any]) -> tuple[float, str]:
    score = row.get("score")
    return (-(score if score is not None else -math.inf), str(row["ticker"]))


def run_scan(
    *,
    scanner_type: str,
    universe: str,
    custom_tickers: Sequence[str] | None,
    filters: Mapping[str, Any],
    parameters: Mapping[str, Any],
) -> ScanOutcome:
    tickers = list(custom_tickers) if custom_tickers else universe_tickers(universe)
    if not tickers:
        raise ScanDataError(f"Universe '{universe}' has no members")
    names = _names(tickers)
    by_market: dict[str, list[str]] = {}
    for ticker in tickers:
        by_market.setdefault(market_of(ticker), []).append(ticker)
    rows: list[dict[str, Any]] = []
    skipped = 0
    merged_parameters: dict[str, Any] = {}
    scanned_any = False
    for region in sorted(by_market, key=lambda name: name != "US"):
        members = by_market[region]
        result = _scan_market(
            scanner_type,
            members,
            region=region,
            filters=filters,
            parameters=parameters,
            names=names,
        )
        if result is None:
            skipped += len(members)
            continue
        scanned_any = True
        rows.extend(result.stocks)
        skipped += result.tickers_skipped
        merged_parameters.update(result.parameters)
    if not scanned_any:
        raise ScanDataError(
            f"No stored prices for any of the {len(tickers)} tickers of '{universe}'; "
            "run POST /api/data/refresh"
        )
    rows.sort(key=_row_order)
    return ScanOutcome(
        rows=rows,
        tickers_scanned=len(tickers),
        tickers_skipped=skipped,
        parameters=merged_parameters,
    )
