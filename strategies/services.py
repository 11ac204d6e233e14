"""Writes of backtest runs: create, enqueue, execute, fail, expire.

Life cycle of a run (contract §3.2)::

    start_backtest  -> row "queued" (committed) -> enqueue the task
    execute_backtest -> "running" (started_at) -> read stored prices -> engine
                     -> "completed" (metrics, weights, series in storage) | "failed" (error)

``start_backtest`` creates the row in autocommit and only then enqueues, so a worker never
looks for a row that is not committed yet; callers must not wrap it in ``atomic``. When the
task backend refuses the task, the run is marked failed and :class:`TaskQueueUnavailable`
(503) is raised. ``execute_backtest`` never raises for a failed run: data problems become
``failed: <sentence>``, anything unexpected ``failed: Internal error`` with the traceback in
the logs only. A run whose worker died stays ``running`` with its start time until
:func:`expire_stale_runs` marks it ``failed: Worker lost (timed out)``.

pandas is imported by the execution path only (through the engine), not at module level.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from strategies.errors import TaskQueueUnavailable
from strategies.models import ACTIVE_STATUSES, BacktestRun, RunStatus

if TYPE_CHECKING:
    from strategies.engine.backtest import BacktestResult

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal error"
WORKER_LOST = "Worker lost (timed out)"
QUEUE_UNAVAILABLE = "Task queue unavailable"
DEFAULT_TASK_TIMEOUT_S = 900


def new_backtest_id(*, strategy_name: str, at: datetime | None = None) -> str:
    """``{strategy_name}_{YYYYmmdd_HHMMSS UTC}_{6 hex}``."""
    moment = (at or timezone.now()).astimezone(UTC)
    return f"{strategy_name}_{moment:%Y%m%d_%H%M%S}_{secrets.token_hex(3)}"


def create_backtest_run(
    *,
    strategy_name: str,
    parameters: Mapping[str, Any],
    universe: str,
    tickers: Sequence[str] | None,
    start_date: dt.date,
    end_date: dt.date | None,
    initial_capital: Decimal,
    optimization_method: str,
) -> BacktestRun:
    """A queued run for already validated inputs (see ``strategies.serializers``)."""
    return BacktestRun.objects.create(
        backtest_id=new_backtest_id(strategy_name=strategy_name),
        strategy_name=strategy_name,
        parameters=dict(parameters),
        universe=universe,
        tickers=None if tickers is None else list(tickers),
        start_date=start_date,
        end_date=end_date,
        initial_capital=initial_capital,
        optimization_method=optimization_method,
    )


def enqueue_backtest(*, run: BacktestRun) -> None:
    """Hand the run to the task backend; a refusal fails the run and raises 503."""
    from strategies.tasks import run_backtest_task

    try:
        run_backtest_task.enqueue(backtest_id=run.backtest_id)
    except Exception:
        logger.exception("Could not enqueue backtest %s", run.backtest_id)
        fail_run(run=run, reason=QUEUE_UNAVAILABLE)
        raise TaskQueueUnavailable("backtest") from None


def start_backtest(**inputs: Any) -> BacktestRun:
    """Create the run (committed) and enqueue it; see :func:`create_backtest_run`."""
    run = create_backtest_run(**inputs)
    enqueue_backtest(run=run)
    run.refresh_from_db()
    return run


def fail_run(*, run: BacktestRun, reason: str) -> None:
    run.status = RunStatus.FAILED
    run.error = reason
    run.completed_at = timezone.now()
    run.save(update_fields=["status", "error", "completed_at"])


def _mark_running(run: BacktestRun) -> bool:
    """Claim a queued run; False when it is not queued any more (run twice, or expired)."""
    now = timezone.now()
    claimed = BacktestRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now
    )
    run.refresh_from_db()
    return claimed == 1


def execute_backtest(*, backtest_id: str) -> BacktestRun:
    """Run a queued backtest to completion or failure (the task body)."""
    run = BacktestRun.objects.get(backtest_id=backtest_id)
    if not _mark_running(run):
        logger.warning("Backtest %s is %s, not queued; not running it", backtest_id, run.status)
        return run
    clock = time.perf_counter()
    try:
        _complete(run, clock)
    except Exception as exc:
        from strategies.backtest_inputs import BacktestDataError
        from strategies.engine.registry import InsufficientDataError

        if isinstance(exc, (BacktestDataError, InsufficientDataError)):
            reason = str(exc)
        else:
            logger.exception("Backtest %s failed", backtest_id)
            reason = INTERNAL_ERROR
        run.execution_time = time.perf_counter() - clock
        run.save(update_fields=["execution_time"])
        fail_run(run=run, reason=reason)
    return run


def _complete(run: BacktestRun, clock: float) -> None:
    from strategies.backtest_inputs import load_inputs
    from strategies.engine.registry import get_strategy, run_strategy

    spec = get_strategy(run.strategy_name)
    inputs = load_inputs(
        strategy=run.strategy_name,
        universe=run.universe,
        tickers=run.tickers,
        start=run.start_date,
        end=run.end_date,
        parameters=run.parameters,
        needs_ohlcv=spec.needs_ohlcv,
    )
    result = run_strategy(
        run.strategy_name,
        inputs.prices,
        parameters=run.parameters,
        optimization_method=run.optimization_method,
        start=run.start_date.isoformat(),
        end=inputs.end.isoformat(),
        initial_capital=float(run.initial_capital),
        volumes=inputs.volumes,
        highs=inputs.highs,
        lows=inputs.lows,
        reference=inputs.reference,
        risk_free_rate=float(settings.PARAKEET_RISK_FREE_RATE),
        membership=inputs.membership,
    )
    record_result(
        run=run,
        result=result,
        tickers=inputs.tickers,
        end_date=inputs.end,
        execution_time=time.perf_counter() - clock,
        membership_known_from=inputs.membership_known_from,
    )


def _weights(result: BacktestResult) -> dict[str, float]:
    weights = result.final_weights.sort_values(ascending=False, kind="stable")
    return {str(ticker): float(weight) for ticker, weight in weights.items()}


def _details(
    result: BacktestResult, tickers: Sequence[str], membership_known_from: dt.date | None
) -> dict[str, Any]:
    first_date = result.equity.index[0].date()
    details: dict[str, Any] = {
        "tickers_priced": len(tickers),
        "trades": len(result.trades),
        "total_costs": result.total_costs,
        "first_date": first_date.isoformat(),
        "last_date": result.equity.index[-1].date().isoformat(),
    }
    if membership_known_from is not None:
        # Universe runs pick among the members of each decision date; before
        # ``point_in_time_from`` the earliest known member list stands in.
        details["membership"] = {
            "point_in_time": True,
            "point_in_time_from": max(membership_known_from, first_date).isoformat(),
        }
    regime = result.state.get("regime")
    if isinstance(regime, dict):
        details["regime"] = regime
    return details


def record_result(
    *,
    run: BacktestRun,
    result: BacktestResult,
    tickers: Sequence[str],
    end_date: dt.date,
    execution_time: float,
    membership_known_from: dt.date | None = None,
) -> None:
    """Store the series, then the row: a completed run always has its series."""
    from parakeet.renderers import finite_or_none
    from strategies.results_store import save_series

    run.series_path = save_series(
        backtest_id=run.backtest_id, equity=result.equity, returns=result.returns
    )
    run.tickers = list(tickers)
    run.end_date = end_date
    run.metrics = finite_or_none(dict(result.metrics))
    run.final_value = finite_or_none(result.final_value)
    run.weights = _weights(result)
    run.details = finite_or_none(_details(result, tickers, membership_known_from))
    run.execution_time = execution_time
    run.status = RunStatus.COMPLETED
    run.error = ""
    run.completed_at = timezone.now()
    run.save()


def task_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "PARAKEET_TASK_TIMEOUT_S", DEFAULT_TASK_TIMEOUT_S))


def expire_stale_runs(*, now: datetime | None = None) -> int:
    """Fail runs queued or running for longer than the task timeout (contract §3.1)."""
    cutoff = (now or timezone.now()) - task_timeout()
    stale = Q(status=RunStatus.RUNNING, started_at__lt=cutoff) | Q(
        status=RunStatus.QUEUED, created_at__lt=cutoff
    )
    return BacktestRun.objects.filter(stale, status__in=ACTIVE_STATUSES).update(
        status=RunStatus.FAILED, error=WORKER_LOST, completed_at=now or timezone.now()
    )
