"""``GET /api/validation/strategies`` (contract §2.8, §3.2 "validation/strategies").

One item per catalogue strategy with a completed run, from its latest completed run:
``sharpe``, ``sortino`` and ``max_drawdown`` are that run's metrics; ``psr`` and ``dsr``
come from that run's stored daily returns with their own sample skewness and kurtosis
(:func:`strategies.engine.psr.returns_significance`), deflated by ``num_trials``.

``num_trials`` counts the strategy's completed runs as trials, except that runs repeating
an identical configuration (parameters, allocation method, universe, tickers and dates)
count once: re-running the same backtest is not another trial. ``total_trials_accepted``
and ``total_trials_rejected`` add up ``num_trials`` over the significant (DSR > 0.95) and
the other strategies.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

from parakeet.api import utc_now_iso
from strategies.models import BacktestRun, RunStatus
from strategies.selectors import latest_completed_runs_sync, metric

logger = logging.getLogger(__name__)

TRIAL_FIELDS = (
    "strategy_name",
    "parameters",
    "optimization_method",
    "universe",
    "tickers",
    "start_date",
    "end_date",
)


def trial_counts(names: list[str]) -> dict[str, int]:
    """Distinct completed configurations per strategy name."""
    configurations: dict[str, set[str]] = defaultdict(set)
    rows = BacktestRun.objects.filter(
        strategy_name__in=names, status=RunStatus.COMPLETED
    ).values_list(*TRIAL_FIELDS)
    for name, *config in rows:
        configurations[name].add(json.dumps(config, sort_keys=True, default=str))
    return {name: len(configs) for name, configs in configurations.items()}


def strategy_id(name: str) -> str:
    return name.lower().replace("_", "-")


def _validity(run: BacktestRun, n_trials: int) -> dict[str, Any]:
    from strategies.engine.psr import confidence_level, returns_significance
    from strategies.results_store import SeriesMissing, load_series

    significance = None
    try:
        returns = load_series(name=run.series_path)["returns"]
    except SeriesMissing:
        logger.warning("Backtest %s has no stored returns", run.backtest_id)
    else:
        significance = returns_significance(
            returns, annual_sharpe=metric(run, "sharpe_ratio"), n_trials=n_trials
        )
    if significance is None:
        return {
            "psr": None,
            "dsr": None,
            "num_trials": n_trials,
            "is_significant": False,
            "confidence_level": confidence_level(0.0),
        }
    return {
        "psr": round(significance.probabilistic_sharpe_ratio, 4),
        "dsr": round(significance.deflated_sharpe_ratio, 4),
        "num_trials": n_trials,
        "is_significant": significance.is_significant,
        "confidence_level": significance.confidence_level,
    }


def validation_strategies() -> dict[str, Any]:
    runs = latest_completed_runs_sync()
    trials = trial_counts(list(runs))
    items = []
    accepted = rejected = 0
    for name, run in runs.items():
        validity = _validity(run, max(1, trials.get(name, 1)))
        if validity["is_significant"]:
            accepted += validity["num_trials"]
        else:
            rejected += validity["num_trials"]
        items.append(
            {
                "id": strategy_id(name),
                "name": name,
                "sharpe": metric(run, "sharpe_ratio"),
                "sortino": metric(run, "sortino_ratio"),
                "max_drawdown": metric(run, "max_drawdown"),
                "validity": validity,
            }
        )
    return {
        "strategies": items,
        "total_trials_rejected": rejected,
        "total_trials_accepted": accepted,
        "generated_at": utc_now_iso(),
    }
