"""Reads of backtest runs: which run, its status and results, and the catalogue aggregation.

"Latest" is the newest ``created_at`` of a strategy name (ties broken by id); runs are
never overwritten. Aggregations (compare, dashboards, validation) use the latest
*completed* run of each catalogue strategy only, never a name outside the catalogue.

Run lookups are async (Django's async ORM) because the views are; the bodies are built by
plain functions over a run. ``metrics_display`` comes from the engine's metrics module,
imported when first needed (it imports pandas).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from parakeet.api import utc_now_iso
from strategies import catalog
from strategies.errors import NoResults, ResultsNotReady, RunNotFound, StrategyNotFound
from strategies.models import BacktestRun, RunStatus

METRIC_KEYS = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
    "win_rate",
)


def iso(value: Any) -> str | None:
    """A datetime as ISO-8601 UTC with ``Z``; a date as ``YYYY-MM-DD``; None stays None."""
    if value is None:
        return None
    text = str(value.isoformat())
    return text.replace("+00:00", "Z")


def catalog_entry(name: str) -> catalog.CatalogEntry:
    entry = catalog.find(name)
    if entry is None:
        raise StrategyNotFound(name, catalog.names())
    return entry


# --- which run ----------------------------------------------------------------------------


def runs_of(strategy_name: str) -> QuerySet[BacktestRun]:
    return BacktestRun.objects.filter(strategy_name=strategy_name).order_by("-created_at", "-id")


async def latest_run(*, strategy_name: str) -> BacktestRun | None:
    return await runs_of(strategy_name).afirst()


async def latest_completed_run(*, strategy_name: str) -> BacktestRun | None:
    return await runs_of(strategy_name).filter(status=RunStatus.COMPLETED).afirst()


async def has_completed_run(*, strategy_name: str) -> bool:
    return await runs_of(strategy_name).filter(status=RunStatus.COMPLETED).aexists()


async def get_run(*, backtest_id: str, strategy_name: str | None = None) -> BacktestRun:
    queryset = BacktestRun.objects.filter(backtest_id=backtest_id)
    if strategy_name is not None:
        queryset = queryset.filter(strategy_name=strategy_name)
    run = await queryset.afirst()
    if run is None:
        raise RunNotFound(backtest_id, strategy_name)
    return run


def latest_completed_queryset() -> QuerySet[BacktestRun]:
    """The latest completed run of each catalogue strategy (at most one per name)."""
    newest = (
        BacktestRun.objects.filter(
            strategy_name=OuterRef("strategy_name"), status=RunStatus.COMPLETED
        )
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    return BacktestRun.objects.filter(
        strategy_name__in=catalog.names(), status=RunStatus.COMPLETED, pk=Subquery(newest)
    )


def order_by_catalog(runs: list[BacktestRun]) -> dict[str, BacktestRun]:
    by_name = {run.strategy_name: run for run in runs}
    return {name: by_name[name] for name in catalog.names() if name in by_name}


async def latest_completed_runs() -> dict[str, BacktestRun]:
    """{strategy name: its latest completed run}, in catalogue order."""
    return order_by_catalog([run async for run in latest_completed_queryset()])


def latest_completed_runs_sync() -> dict[str, BacktestRun]:
    return order_by_catalog(list(latest_completed_queryset()))


# --- bodies -------------------------------------------------------------------------------


def metrics_of(run: BacktestRun) -> dict[str, Any]:
    """The run's metrics, the contract's keys first in its order (PostgreSQL's jsonb does not
    keep key order), then the optional keys sorted."""
    metrics = dict(run.metrics or {})
    first = [key for key in METRIC_KEYS if key in metrics]
    rest = sorted(key for key in metrics if key not in METRIC_KEYS)
    return {key: metrics[key] for key in [*first, *rest]}


def weights_of(run: BacktestRun) -> dict[str, float]:
    """Final weights, largest first (ties by ticker)."""
    weights = dict(run.weights or {})
    return dict(sorted(weights.items(), key=lambda item: (-float(item[1]), item[0])))


def metric(run: BacktestRun, key: str) -> float | None:
    value = metrics_of(run).get(key)
    if isinstance(value, (int, float)) and math.isfinite(float(value)):
        return float(value)
    return None


def display_metrics(run: BacktestRun) -> dict[str, str]:
    from strategies.engine.metrics import metrics_display

    return metrics_display(metrics_of(run))


def run_config(run: BacktestRun) -> dict[str, Any]:
    return {
        "start_date": iso(run.start_date),
        "end_date": iso(run.end_date),
        "initial_capital": float(run.initial_capital),
        "optimization_method": run.optimization_method,
        "universe": run.universe,
        "tickers": run.tickers,
        "parameters": run.parameters,
    }


def results_body(run: BacktestRun) -> dict[str, Any]:
    """``GET /{strategy_name}/results`` of a completed run."""
    return {
        "backtest_id": run.backtest_id,
        "strategy_name": run.strategy_name,
        "completed_at": iso(run.completed_at),
        "config": run_config(run),
        "metrics": metrics_of(run),
        "metrics_display": display_metrics(run),
        "final_value": run.final_value,
        "weights": weights_of(run),
        "execution_time": run.execution_time,
    }


def not_ready(run: BacktestRun) -> ResultsNotReady:
    if run.status == RunStatus.FAILED:
        return ResultsNotReady(
            f"Backtest '{run.backtest_id}' of strategy '{run.strategy_name}' failed: "
            f"{run.error or 'Internal error'}"
        )
    return ResultsNotReady(
        f"Backtest '{run.backtest_id}' of strategy '{run.strategy_name}' is still running; "
        f"check /api/strategies/{run.strategy_name}/status for progress."
    )


async def results_run(*, strategy_name: str, backtest_id: str | None) -> BacktestRun:
    """The completed run the results endpoint shows, or 404/409 (contract §2.3)."""
    if backtest_id is not None:
        run = await get_run(backtest_id=backtest_id, strategy_name=strategy_name)
        if run.status != RunStatus.COMPLETED:
            raise not_ready(run)
        return run
    completed = await latest_completed_run(strategy_name=strategy_name)
    if completed is not None:
        return completed
    latest = await latest_run(strategy_name=strategy_name)
    if latest is None:
        raise NoResults(strategy_name)
    raise not_ready(latest)


async def status_body(*, strategy_name: str, backtest_id: str | None) -> dict[str, Any]:
    """``GET /{strategy_name}/status``: the given run, else the latest one."""
    if backtest_id is not None:
        run: BacktestRun | None = await get_run(
            backtest_id=backtest_id, strategy_name=strategy_name
        )
    else:
        run = await latest_run(strategy_name=strategy_name)
    if run is None:
        return {
            "strategy_name": strategy_name,
            "status": "not_started",
            "has_results": False,
            "timestamp": utc_now_iso(),
            "backtest_id": None,
            "started_at": None,
            "completed_at": None,
            "error": None,
        }
    if backtest_id is not None:
        has_results = run.status == RunStatus.COMPLETED
    else:
        has_results = await has_completed_run(strategy_name=strategy_name)
    return {
        "strategy_name": strategy_name,
        "status": run.contract_status,
        "has_results": has_results,
        "timestamp": utc_now_iso(),
        "backtest_id": run.backtest_id,
        "started_at": iso(run.started_at),
        "completed_at": iso(run.completed_at),
        "error": run.error or None,
    }


async def strategy_detail(*, name: str) -> dict[str, Any]:
    entry = catalog_entry(name)
    run = await latest_completed_run(strategy_name=name)
    return {
        **entry.as_dict(),
        "last_results": None if run is None else results_body(run),
        "has_results": run is not None,
    }


def compare_body(runs: dict[str, BacktestRun]) -> dict[str, Any]:
    categories = {entry.name: entry.category for entry in catalog.catalog()}
    rows = [
        {
            "strategy": name,
            "category": categories[name],
            "final_value": run.final_value,
            "total_return": metric(run, "total_return"),
            "cagr": metric(run, "cagr"),
            "sharpe_ratio": metric(run, "sharpe_ratio"),
            "max_drawdown": metric(run, "max_drawdown"),
            "win_rate": metric(run, "win_rate"),
        }
        for name, run in runs.items()
    ]
    return {"comparison": rows, "generated_at": utc_now_iso(), "strategies_compared": len(rows)}


# --- run listing (new) ----------------------------------------------------------------------


@dataclass(frozen=True)
class RunPage:
    runs: list[BacktestRun]
    total: int
    page: int
    page_size: int

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


async def run_page(
    *, strategy: str | None, status: str | None, page: int, page_size: int
) -> RunPage:
    queryset = BacktestRun.objects.order_by("-created_at", "-id")
    if strategy:
        queryset = queryset.filter(strategy_name=strategy)
    if status:
        queryset = queryset.filter(status=status)
    total = await queryset.acount()
    offset = (page - 1) * page_size
    runs = [run async for run in queryset.defer("tickers")[offset : offset + page_size]]
    return RunPage(runs=runs, total=total, page=page, page_size=page_size)


def run_summary(run: BacktestRun) -> dict[str, Any]:
    return {
        "backtest_id": run.backtest_id,
        "strategy_name": run.strategy_name,
        "status": run.status,
        "contract_status": run.contract_status,
        "error": run.error or None,
        "universe": run.universe,
        "start_date": iso(run.start_date),
        "end_date": iso(run.end_date),
        "initial_capital": float(run.initial_capital),
        "optimization_method": run.optimization_method,
        "parameters": run.parameters,
        "final_value": run.final_value,
        "metrics": None if run.metrics is None else metrics_of(run),
        "execution_time": run.execution_time,
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "completed_at": iso(run.completed_at),
    }


def run_links(run: BacktestRun) -> dict[str, str]:
    return {
        "self": f"/api/strategies/runs/{run.backtest_id}",
        "equity": f"/api/strategies/runs/{run.backtest_id}/equity",
        "status": f"/api/strategies/{run.strategy_name}/status?backtest_id={run.backtest_id}",
        "results": f"/api/strategies/{run.strategy_name}/results?backtest_id={run.backtest_id}",
    }


def run_detail(run: BacktestRun) -> dict[str, Any]:
    completed = run.status == RunStatus.COMPLETED
    return {
        **run_summary(run),
        "tickers": run.tickers,
        "weights": None if run.weights is None else weights_of(run),
        "metrics_display": display_metrics(run) if completed else None,
        "details": run.details,
        "links": run_links(run),
    }


def equity_body(run: BacktestRun) -> dict[str, Any]:
    """Dates, equity, drawdown and daily returns of a completed run (from storage)."""
    from strategies.engine.metrics import drawdown_series
    from strategies.results_store import SeriesMissing, load_series

    if run.status != RunStatus.COMPLETED:
        raise not_ready(run)
    try:
        frame = load_series(name=run.series_path)
    except SeriesMissing:
        raise ResultsNotReady(f"Backtest '{run.backtest_id}' has no stored equity curve.") from None
    drawdown = drawdown_series(frame["equity"])
    return {
        "backtest_id": run.backtest_id,
        "strategy_name": run.strategy_name,
        "dates": [day.date().isoformat() for day in frame.index],
        "equity": frame["equity"].tolist(),
        "drawdown": drawdown.tolist(),
        "returns": frame["returns"].tolist(),
    }
