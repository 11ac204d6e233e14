"""Backtest runs end to end through the services and the task: stored prices in, a completed
(or failed) run row and its stored series out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone

from strategies import services
from strategies.engine.registry import run_strategy
from strategies.errors import TaskQueueUnavailable
from strategies.models import BacktestRun, RunStatus
from strategies.results_store import load_series
from strategies.tasks import run_backtest_task
from strategies.tests.run_support import (
    TICKERS,
    UNIVERSE,
    make_universe,
    seed_prices,
    temporary_cache,
)

pytestmark = pytest.mark.django_db

START = dt.date(2022, 1, 3)


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


def start(**overrides: Any) -> BacktestRun:
    inputs: dict[str, Any] = {
        "strategy_name": "InverseVolatility",
        "parameters": {"lookback": 63},
        "universe": UNIVERSE,
        "tickers": None,
        "start_date": START,
        "end_date": None,
        "initial_capital": Decimal("100000.00"),
        "optimization_method": "HRP",
    }
    inputs.update(overrides)
    return services.start_backtest(**inputs)


def test_a_completed_run_stores_the_engines_results_on_the_same_prices() -> None:
    prices = seed_prices()
    run = start()

    assert run.status == RunStatus.COMPLETED
    assert run.error == ""
    expected = run_strategy(
        "InverseVolatility",
        prices,
        parameters={"lookback": 63},
        optimization_method="HRP",
        start=START.isoformat(),
        initial_capital=100_000.0,
    )
    assert run.metrics == pytest.approx(expected.metrics, rel=1e-9, abs=1e-12)
    assert run.final_value == pytest.approx(expected.final_value, rel=1e-9)
    assert run.weights == pytest.approx(
        {str(t): float(w) for t, w in expected.final_weights.items()}, rel=1e-9
    )
    assert run.tickers == list(TICKERS)
    assert run.end_date == prices.index[-1].date()
    assert run.details["tickers_priced"] == len(TICKERS)
    assert run.details["trades"] == len(expected.trades)


def test_the_equity_curve_and_daily_returns_are_stored_as_parquet() -> None:
    prices = seed_prices()
    run = start()

    series = load_series(name=run.series_path)
    expected = run_strategy(
        "InverseVolatility", prices, parameters={"lookback": 63}, start=START.isoformat()
    )
    assert run.series_path == f"backtests/{run.backtest_id}.parquet"
    assert list(series.columns) == ["equity", "returns"]
    pd.testing.assert_series_equal(series["equity"], expected.equity, check_names=False)
    pd.testing.assert_series_equal(
        series["returns"].iloc[1:], expected.returns, check_names=False, check_freq=False
    )
    assert pd.isna(series["returns"].iloc[0])


def test_a_run_moves_from_queued_to_running_to_completed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_prices()
    seen: list[tuple[str, bool]] = []
    real_complete = services._complete

    def spy(run: BacktestRun, clock: float) -> None:
        row = BacktestRun.objects.get(pk=run.pk)
        seen.append((row.status, row.started_at is not None))
        real_complete(run, clock)

    monkeypatch.setattr(services, "_complete", spy)
    run = services.create_backtest_run(
        strategy_name="InverseVolatility",
        parameters={"lookback": 63},
        universe=UNIVERSE,
        tickers=None,
        start_date=START,
        end_date=None,
        initial_capital=Decimal("100000"),
        optimization_method="EqualWeight",
    )
    assert (run.status, run.started_at, run.completed_at) == (RunStatus.QUEUED, None, None)

    run_backtest_task.enqueue(backtest_id=run.backtest_id)

    run.refresh_from_db()
    assert seen == [(RunStatus.RUNNING, True)]
    assert run.status == RunStatus.COMPLETED
    assert run.started_at is not None
    assert run.completed_at is not None
    assert run.created_at <= run.started_at <= run.completed_at
    assert run.execution_time is not None
    assert run.execution_time > 0


def test_a_universe_without_stored_prices_fails_with_a_readable_reason() -> None:
    make_universe("EMPTYU", ["NOBARS1", "NOBARS2"])

    run = start(universe="EMPTYU")

    assert run.status == RunStatus.FAILED
    assert run.error == "Insufficient price data: 0 of 2 tickers have prices before 2022-01-03"
    assert run.contract_status == (
        "failed: Insufficient price data: 0 of 2 tickers have prices before 2022-01-03"
    )
    assert run.metrics is None
    assert run.series_path == ""
    assert run.completed_at is not None


def test_a_start_after_the_last_stored_price_fails_with_a_readable_reason() -> None:
    prices = seed_prices(days=300)

    run = start(start_date=dt.date(2030, 1, 1))

    last = prices.index[-1].date().isoformat()
    assert run.status == RunStatus.FAILED
    assert run.error == f"No stored prices after 2030-01-01: the latest stored date is {last}"


def test_a_start_before_any_stored_price_fails_with_the_engines_sentence() -> None:
    seed_prices(days=300, start=dt.date(2023, 1, 2))

    run = start(start_date=dt.date(2020, 1, 1))

    assert run.status == RunStatus.FAILED
    assert run.error == (
        f"Insufficient price data: 0 of {len(TICKERS)} tickers have prices before 2020-01-01"
    )


def test_short_vol_without_stored_vix_fails_with_a_readable_reason() -> None:
    seed_prices(days=300)

    run = start(strategy_name="Short_Vol", parameters={"vix_threshold": 20.0})

    assert run.status == RunStatus.FAILED
    assert run.error.startswith("Short_Vol needs stored ^VIX prices")


def test_an_unexpected_error_fails_the_run_as_internal_error_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seed_prices(days=300)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr("strategies.engine.registry.run_strategy", boom)

    run = start()

    assert run.status == RunStatus.FAILED
    assert run.error == "Internal error"
    assert "secret internals" in caplog.text  # only in the logs


def test_a_task_backend_that_refuses_fails_the_run_and_raises_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("queue down")

    monkeypatch.setattr(ImmediateBackend, "enqueue", refuse)

    with pytest.raises(TaskQueueUnavailable) as raised:
        start()

    assert raised.value.status_code == 503
    run = BacktestRun.objects.get()
    assert (run.status, run.error) == (RunStatus.FAILED, "Task queue unavailable")


def test_a_run_is_executed_once_even_if_the_task_is_delivered_twice() -> None:
    seed_prices(days=300)
    run = start()
    completed_at = run.completed_at

    services.execute_backtest(backtest_id=run.backtest_id)

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.completed_at == completed_at


def test_runs_stuck_past_the_task_timeout_are_failed_as_worker_lost() -> None:
    now = timezone.now()
    stuck = BacktestRun.objects.create(
        backtest_id="HRP_old",
        strategy_name="HRP",
        universe=UNIVERSE,
        start_date=START,
        initial_capital=Decimal("1000"),
        optimization_method="HRP",
        status=RunStatus.RUNNING,
        started_at=now - dt.timedelta(seconds=901),
    )
    fresh = BacktestRun.objects.create(
        backtest_id="HRP_new",
        strategy_name="HRP",
        universe=UNIVERSE,
        start_date=START,
        initial_capital=Decimal("1000"),
        optimization_method="HRP",
        status=RunStatus.RUNNING,
        started_at=now - dt.timedelta(seconds=60),
    )

    assert services.expire_stale_runs(now=now) == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.contract_status == "failed: Worker lost (timed out)"
    assert fresh.status == RunStatus.RUNNING


def test_backtest_ids_name_the_strategy_the_utc_second_and_six_hex_digits() -> None:
    at = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)

    first = services.new_backtest_id(strategy_name="HRP", at=at)
    second = services.new_backtest_id(strategy_name="HRP", at=at)

    assert first.startswith("HRP_20260304_050607_")
    assert len(first.rsplit("_", 1)[1]) == 6
    int(first.rsplit("_", 1)[1], 16)
    assert first != second
