"""Bodies of ``/api/dashboard/*`` (contract §2.4) from the latest completed run of each
catalogue strategy.

Every function takes the ``{strategy name: run}`` map of
:func:`strategies.selectors.latest_completed_runs` (catalogue order, catalogue strategies
only), so one query serves a whole endpoint. An *entry* is
``{status:"active", metrics, weights, final_value}`` or
``{status:"no_data", message:"Run backtest to generate data"}``.

The quant2 regime (contract §3.2 "quant2 regime"): the latest completed Regime_Detection
run's last HMM estimate; else the 21-day volatility of the stored benchmark (SPY, or STW.AX
for an AU universe); else UNKNOWN.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from parakeet.api import utc_now_iso
from strategies import catalog
from strategies.models import BacktestRun
from strategies.selectors import METRIC_KEYS, iso, metric, metrics_of, weights_of

NO_DATA_MESSAGE = "Run backtest to generate data"
NO_COMPARISON_MESSAGE = "No backtest results available. Run strategies first."
OLMAR_DESCRIPTION = "Online Learning for Portfolio Selection with Mean Reversion"
OLMAR_NO_DATA_MESSAGE = "Run OLMAR backtest to generate data"
ALLOCATION_NOTE = "Combined allocation is average of all strategy weights"
REGIME_NO_DATA_MESSAGE = "Run Regime Detection strategy to update"
BASE_CURRENCY = "USD"
DEFAULT_INITIAL_CAPITAL = 100_000.0
BENCHMARKS = {"AU": "STW.AX"}
DEFAULT_BENCHMARK = "SPY"
# Calendar days of bars read for the volatility fallback (21 returns need 22 sessions).
_FALLBACK_DAYS = 60

Runs = dict[str, BacktestRun]


def entry(run: BacktestRun | None) -> dict[str, Any]:
    if run is None:
        return {"status": "no_data", "message": NO_DATA_MESSAGE}
    return {
        "status": "active",
        "metrics": metrics_of(run),
        "weights": weights_of(run),
        "final_value": run.final_value,
    }


def entries(runs: Runs, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: entry(runs.get(name)) for name in names}


def overview(runs: Runs) -> dict[str, Any]:
    """``GET /api/dashboard``: one row per catalogue strategy."""
    rows: list[dict[str, Any]] = []
    for name in catalog.names():
        run = runs.get(name)
        rows.append(
            {
                "name": name,
                "final_value": None if run is None else run.final_value,
                "cagr": None if run is None else metric(run, "cagr"),
                "sharpe": None if run is None else metric(run, "sharpe_ratio"),
                "max_drawdown": None if run is None else metric(run, "max_drawdown"),
                "status": "no_data" if run is None else "active",
            }
        )
    best: dict[str, Any] | None = None
    for row in rows:  # strict > keeps the first of equal CAGRs: ties go to catalogue order
        if row["cagr"] is not None and (best is None or row["cagr"] > best["cagr"]):
            best = row
    completed = [run.completed_at for run in runs.values() if run.completed_at is not None]
    return {
        "generated_at": utc_now_iso(),
        "summary": {
            "total_strategies": len(rows),
            "strategies_with_results": len(runs),
            "best_performer": None if best is None else best["name"],
            "best_cagr": "N/A" if best is None else f"{best['cagr'] * 100:.1f}%",
        },
        "strategies": rows,
        "last_update": iso(max(completed, default=None)),
    }


def quant1(runs: Runs) -> dict[str, Any]:
    return {
        "generated_at": utc_now_iso(),
        "source": "live",
        "strategies": entries(runs, catalog.QUANT1_STRATEGIES),
    }


def quant2(runs: Runs, *, universe: dict[str, Any], regime: dict[str, Any]) -> dict[str, Any]:
    return {
        "generated_at": utc_now_iso(),
        "source": "live",
        "universe": universe,
        "universe_key": universe["key"],
        "ticker_count": universe["ticker_count"],
        "regime": regime,
        "strategies": entries(runs, catalog.QUANT2_STRATEGIES),
    }


def olmar(runs: Runs) -> dict[str, Any]:
    run = runs.get("OLMAR")
    entry_ = catalog.find("OLMAR")
    defaults = dict(entry_.parameters) if entry_ is not None else {}
    parameters = dict(run.parameters) if run is not None else defaults
    body: dict[str, Any] = {
        "generated_at": utc_now_iso(),
        "source": "live",
        "strategy": "OLMAR",
        "description": OLMAR_DESCRIPTION,
        "parameters": {
            "window": parameters.get("window", defaults.get("window")),
            "epsilon": parameters.get("epsilon", defaults.get("epsilon")),
            "universe": run.universe if run is not None else "SPX500",
        },
    }
    if run is None:
        body.update(status="no_data", message=OLMAR_NO_DATA_MESSAGE)
    else:
        body.update(
            performance=metrics_of(run),
            weights=weights_of(run),
            final_value=run.final_value,
            status="active",
        )
    return body


def _metric_row(name: str, run: BacktestRun) -> dict[str, Any]:
    return {
        "strategy": name,
        "final_value": run.final_value,
        **{key: metric(run, key) for key in METRIC_KEYS},
    }


def backtest_table(runs: Runs) -> dict[str, Any]:
    rows = [_metric_row(name, run) for name, run in runs.items()]
    return {
        "generated_at": utc_now_iso(),
        "source": "live",
        "comparison_table": rows,
        "total_strategies": len(rows),
        "config": {"initial_capital": DEFAULT_INITIAL_CAPITAL, "base_currency": BASE_CURRENCY},
    }


def comparison(runs: Runs) -> dict[str, Any]:
    """Sorted by final value, highest first (runs without one last, catalogue order)."""
    if not runs:
        return {"comparison": [], "message": NO_COMPARISON_MESSAGE, "generated_at": utc_now_iso()}
    rows = [_metric_row(name, run) for name, run in runs.items()]
    rows.sort(key=lambda row: (row["final_value"] is None, -(row["final_value"] or 0.0)))
    return {
        "comparison": rows,
        "metrics": list(METRIC_KEYS),
        "strategies_count": len(rows),
        "generated_at": utc_now_iso(),
    }


def allocation(runs: Runs) -> dict[str, Any]:
    """A ticker's combined weight is its mean over the strategies holding it; the combined
    weights are normalised to sum to 1 (by Σ|w| if shorts make the net sum non-positive)."""
    by_strategy = {name: weights_of(run) for name, run in runs.items() if run.weights}
    held: dict[str, list[float]] = {}
    for weights in by_strategy.values():
        for ticker, weight in weights.items():
            if weight:
                held.setdefault(ticker, []).append(float(weight))
    means = {ticker: sum(values) / len(values) for ticker, values in held.items()}
    total = sum(means.values())
    if total <= 0:
        total = sum(abs(value) for value in means.values())
    combined = {ticker: value / total for ticker, value in means.items()} if total else {}
    ordered = dict(sorted(combined.items(), key=lambda item: (-item[1], item[0])))
    return {
        "generated_at": utc_now_iso(),
        "combined_allocation": ordered,
        "by_strategy": by_strategy,
        "total_positions": len(ordered),
        "strategies_used": list(by_strategy),
        "note": ALLOCATION_NOTE,
    }


# --- quant2 regime ------------------------------------------------------------------------


def _unknown_regime() -> dict[str, Any]:
    return {
        "current": "UNKNOWN",
        "probabilities": None,
        "method": None,
        "as_of": None,
        "message": REGIME_NO_DATA_MESSAGE,
    }


def _run_regime(run: BacktestRun) -> dict[str, Any] | None:
    regime = (run.details or {}).get("regime")
    if not isinstance(regime, dict) or "current" not in regime:
        return None
    return {
        "current": regime["current"],
        "probabilities": regime.get("probabilities"),
        "method": regime.get("method", "HMM"),
        "as_of": regime.get("as_of"),
        "message": f"From Regime_Detection backtest {run.backtest_id}",
    }


def benchmark_for(region: str) -> str:
    return BENCHMARKS.get(region.upper(), DEFAULT_BENCHMARK)


def _volatility_fallback(benchmark: str) -> dict[str, Any] | None:
    from market.models import Symbol
    from strategies.backtest_inputs import close_matrix
    from strategies.engine.regime import volatility_regime

    last = Symbol.objects.filter(ticker=benchmark).values_list("last_bar_date", flat=True).first()
    if last is None:
        return None
    prices = close_matrix(
        universe=None,
        tickers=[benchmark],
        start=last - dt.timedelta(days=_FALLBACK_DAYS),
        end=last,
    )
    if benchmark not in prices.columns:
        return None
    estimate = volatility_regime(prices[benchmark])
    if estimate is None:
        return None
    return {
        **estimate.as_dict(),
        "message": (
            f"21-day volatility of {benchmark}; run Regime Detection strategy for the HMM estimate"
        ),
    }


def current_regime(runs: Runs, *, region: str) -> dict[str, Any]:
    run = runs.get("Regime_Detection")
    if run is not None:
        regime = _run_regime(run)
        if regime is not None:
            return regime
    return _volatility_fallback(benchmark_for(region)) or _unknown_regime()
