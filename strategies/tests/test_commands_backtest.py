"""``manage.py backtest``: validated like the API, run synchronously, metrics printed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from strategies.models import BacktestRun, RunStatus
from strategies.tests.run_support import UNIVERSE, make_universe, seed_prices, temporary_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


def backtest(*args: str) -> str:
    out = StringIO()
    call_command("backtest", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_a_backtest_and_prints_its_metrics_table() -> None:
    seed_prices(days=400)

    output = backtest(
        "InverseVolatility",
        "--universe",
        UNIVERSE,
        "--start",
        "2022-01-03",
        "--method",
        "EqualWeight",
        "--capital",
        "50000",
        "--param",
        "lookback=42",
    )

    run = BacktestRun.objects.get()
    assert run.status == RunStatus.COMPLETED
    assert run.parameters == {"lookback": 42}
    assert float(run.initial_capital) == 50_000.0
    assert run.start_date == dt.date(2022, 1, 3)
    assert f"Backtest {run.backtest_id} completed" in output
    metrics = run.metrics or {}
    assert f"Sharpe Ratio   {metrics['sharpe_ratio']:.3f}" in output
    assert f"Total Return   {metrics['total_return']:.2%}" in output
    assert f"Final Value    {run.final_value:,.2f}" in output
    assert "Final weights (largest first):" in output


def test_tickers_may_be_given_space_or_comma_separated() -> None:
    seed_prices(days=400)

    backtest(
        "HRP", "--tickers", "T00,T01", "T02", "--start", "2022-01-03", "--param", "lookback=60"
    )

    run = BacktestRun.objects.get()
    assert run.tickers == ["T00", "T01", "T02"]
    assert run.status == RunStatus.COMPLETED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nope"], "Strategy 'Nope' not found. Available: ["),
        (["HRP", "--start", "2022-02-30"], "start_date:"),
        (["HRP", "--method", "Kelly"], "optimization_method:"),
        (["HRP", "--capital", "10"], "initial_capital:"),
        (["HRP", "--param", "lookback=1"], "parameters.lookback: Invalid parameter 'lookback'"),
        (["HRP", "--param", "speed=3"], "parameters.speed: Unknown parameter 'speed'"),
        (["HRP", "--param", "oops"], "--param expects key=value"),
        (["HRP", "--universe", "MARS"], "universe: Unknown universe 'MARS'"),
        (["HRP", "--tickers", "ZZZ"], "tickers: Unknown tickers (no stored prices): ZZZ."),
    ],
)
def test_bad_input_exits_with_a_clear_message_and_creates_nothing(
    args: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as raised:
        backtest(*args)

    assert message in str(raised.value)
    assert BacktestRun.objects.count() == 0


def test_bad_input_exits_with_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as raised:
        ManagementUtility(["manage.py", "backtest", "Nope"]).execute()

    assert raised.value.code == 1
    assert "Strategy 'Nope' not found" in capsys.readouterr().err


def test_a_failed_run_exits_with_its_reason() -> None:
    make_universe("EMPTYU", ["NOBARS1"])

    with pytest.raises(CommandError) as raised:
        backtest("HRP", "--universe", "EMPTYU", "--start", "2022-01-03")

    run = BacktestRun.objects.get()
    assert str(raised.value) == (
        f"Backtest {run.backtest_id} failed: Insufficient price data: 0 of 1 tickers have "
        "prices before 2022-01-03"
    )
