"""Reads of scan runs and the bodies of ``/api/scanner`` (contract §2.5).

"Latest" is the newest ``created_at``; results always come from the latest *completed*
scan (of a type, when asked), whose ``generated_at`` is its completion time.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from parakeet.api import utc_now_iso
from scanner.models import ScannerType, ScanRun, ScanStatus
from scanner.universes import UNIVERSE_NAMES

NO_RESULTS_MESSAGE = "No scan results available. Run a scan first."
NO_QUALLAMAGGIE_MESSAGE = (
    "No Quallamaggie scan results. Run a scan with scanner_type='quallamaggie'"
)
# The old catalogue of scanners, unchanged (contract §2.5).
SCANNERS: tuple[dict[str, Any], ...] = (
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


ROW_KEYS = ("ticker", "name", "price", "change_pct", "volume", "signal", "score", "details")
FILTER_KEYS = ("min_price", "max_price", "min_volume")


def _ordered(mapping: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """``mapping`` with ``keys`` first, in order (PostgreSQL's jsonb does not keep key order)."""
    data = dict(mapping or {})
    return {
        **{key: data[key] for key in keys if key in data},
        **{key: value for key, value in data.items() if key not in keys},
    }


def rows_of(run: ScanRun) -> list[dict[str, Any]]:
    return [_ordered(row, ROW_KEYS) for row in run.results or []]


def iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat()).replace("+00:00", "Z")


def _runs() -> QuerySet[ScanRun]:
    return ScanRun.objects.order_by("-created_at", "-id")


async def latest_run() -> ScanRun | None:
    return await _runs().defer("results").afirst()


async def latest_completed(*, scanner_type: str | None = None) -> ScanRun | None:
    queryset = _runs().filter(status=ScanStatus.COMPLETED)
    if scanner_type is not None:
        queryset = queryset.filter(scanner_type=scanner_type)
    return await queryset.afirst()


def contract_status(run: ScanRun | None) -> str:
    return "idle" if run is None else run.contract_status


async def scanner_info() -> dict[str, Any]:
    latest = await latest_run()
    completed = await latest_completed()
    return {
        "scanners": [dict(scanner) for scanner in SCANNERS],
        "universes": list(UNIVERSE_NAMES),
        "last_scan": None if completed is None else iso(completed.completed_at),
        "status": contract_status(latest),
    }


async def scan_status() -> dict[str, Any]:
    latest = await latest_run()
    completed = await latest_completed()
    return {
        "status": contract_status(latest),
        "has_results": completed is not None,
        "last_scan": None if completed is None else iso(completed.completed_at),
        "results_count": 0 if completed is None else completed.results_found,
        "scan_id": None if latest is None else latest.scan_id,
        "error": None if latest is None or not latest.error else latest.error,
    }


def stored_scan(run: ScanRun) -> dict[str, Any]:
    return {
        "generated_at": iso(run.completed_at),
        "scanner_type": run.scanner_type,
        "universe": run.universe,
        "tickers_scanned": run.tickers_scanned,
        "results_found": run.results_found,
        "stocks": rows_of(run),
        "filters": _ordered(run.filters, FILTER_KEYS),
        "scan_id": run.scan_id,
        "tickers_skipped": run.tickers_skipped,
    }


def results_body(
    run: ScanRun | None, *, signal: str | None, min_score: float | None, limit: int
) -> dict[str, Any]:
    if run is None:
        return {"results": [], "message": NO_RESULTS_MESSAGE, "generated_at": None}
    rows = rows_of(run)
    if signal is not None:
        wanted = signal.strip().upper()
        rows = [row for row in rows if str(row.get("signal", "")).upper() == wanted]
    if min_score is not None:
        rows = [row for row in rows if (row.get("score") or 0.0) >= min_score]
    rows.sort(key=lambda row: (-(row.get("score") or 0.0), str(row.get("ticker"))))
    return {
        "results": rows[:limit],
        "total_found": len(rows),
        "generated_at": iso(run.completed_at),
        "scanner_type": run.scanner_type,
        "filters_applied": {"signal": signal, "min_score": min_score, "limit": limit},
        "scan_id": run.scan_id,
    }


def quallamaggie_body(run: ScanRun | None, *, criteria: dict[str, Any]) -> dict[str, Any]:
    if run is None:
        return {"results": [], "message": NO_QUALLAMAGGIE_MESSAGE, "criteria": criteria}
    return {**stored_scan(run), "retrieved_at": utc_now_iso()}


SCANNER_TYPES = tuple(ScannerType.values)
