"""Universe backtests are point in time: the membership mask built from the stored
``IndexConstituent`` intervals, and a run that only picks each decision date's members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from market import selectors as market
from market.models import IndexConstituent, Symbol, Universe
from strategies import services
from strategies.backtest_inputs import BacktestDataError, load_inputs, membership_mask
from strategies.engine.registry import run_strategy
from strategies.models import BacktestRun, RunStatus
from strategies.tests.run_support import seed_prices, temporary_cache

pytestmark = pytest.mark.django_db

PIT = "PITUS"
TICKERS = ("P0", "P1", "P2", "P3", "P4", "P5")
START = dt.date(2022, 1, 3)
# P4 joins on 2022-06-01; P5 leaves on 2022-03-01 and comes back on 2022-09-01.
INTERVALS: list[tuple[str, dt.date, dt.date | None]] = [
    ("P0", dt.date(2010, 1, 4), None),
    ("P1", dt.date(2010, 1, 4), None),
    ("P2", dt.date(2010, 1, 4), None),
    ("P3", dt.date(2010, 1, 4), None),
    ("P4", dt.date(2022, 6, 1), None),
    ("P5", dt.date(2010, 1, 4), dt.date(2022, 3, 1)),
    ("P5", dt.date(2022, 9, 1), None),
]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


def make_pit_universe(
    key: str = PIT, intervals: list[tuple[str, dt.date, dt.date | None]] = INTERVALS
) -> Universe:
    universe = Universe.objects.create(
        key=key, name="point-in-time test", region="US", asset_class="equity"
    )
    for ticker, start, end in intervals:
        Symbol.objects.get_or_create(ticker=ticker, defaults={"data_source": "tiingo"})
        IndexConstituent.objects.create(
            universe=universe,
            ticker_id=ticker,
            start_date=start,
            end_date=end,
        )
    return universe


def by_hand(dates: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(False, index=dates, columns=list(TICKERS))
    for ticker, start, end in INTERVALS:
        inside = dates >= pd.Timestamp(start)
        if end is not None:
            inside &= dates < pd.Timestamp(end)
        frame.loc[inside, ticker] = True
    return frame


def start_run(**overrides: Any) -> BacktestRun:
    inputs: dict[str, Any] = {
        "strategy_name": "InverseVolatility",
        "parameters": {"lookback": 42},
        "universe": PIT,
        "tickers": None,
        "start_date": START,
        "end_date": None,
        "initial_capital": Decimal("100000.00"),
        "optimization_method": "EqualWeight",
    }
    inputs.update(overrides)
    return services.start_backtest(**inputs)


def test_the_mask_answers_like_the_members_selector_on_every_date() -> None:
    make_pit_universe()
    dates = pd.bdate_range("2022-01-03", "2022-12-30")

    membership = membership_mask(universe=PIT, dates=dates, tickers=TICKERS)

    assert membership.known_from == dt.date(2010, 1, 4)
    pd.testing.assert_frame_equal(membership.mask, by_hand(dates))
    for day in ("2022-02-28", "2022-03-01", "2022-05-31", "2022-06-01", "2022-09-01"):
        row = membership.mask.loc[pd.Timestamp(day)]
        members = [str(ticker) for ticker, member in row.items() if member]
        assert members == market.members(index=PIT, as_of=dt.date.fromisoformat(day))


def test_before_the_first_known_date_the_earliest_member_list_stands_in() -> None:
    # A snapshot universe: everything known from 2022-06-01, one ticker added later.
    snapshot = dt.date(2022, 6, 1)
    make_pit_universe(
        "SNAP",
        [("P0", snapshot, None), ("P1", snapshot, None), ("P2", dt.date(2022, 8, 1), None)],
    )
    dates = pd.bdate_range("2022-01-03", "2022-09-30")

    membership = membership_mask(universe="SNAP", dates=dates, tickers=["P0", "P1", "P2", "P9"])

    assert membership.known_from == snapshot
    mask = membership.mask
    assert mask[["P0", "P1"]].all().all()
    assert not mask.loc[:"2022-07-29", "P2"].any()
    assert mask.loc["2022-08-01":, "P2"].all()
    assert not mask["P9"].any()  # priced but never a member


def test_a_universe_without_members_cannot_be_masked() -> None:
    Universe.objects.create(key="EMPTY", name="empty", region="US", asset_class="equity")

    with pytest.raises(BacktestDataError, match="Universe 'EMPTY' has no stored members"):
        membership_mask(universe="EMPTY", dates=pd.bdate_range("2022-01-03", periods=5), tickers=[])


def test_load_inputs_masks_universe_runs_but_not_a_requests_own_tickers() -> None:
    seed_prices(TICKERS, universe=None)
    make_pit_universe()

    universe_run = load_inputs(
        strategy="InverseVolatility",
        universe=PIT,
        tickers=None,
        start=START,
        end=None,
        parameters={"lookback": 42},
    )
    own_tickers = load_inputs(
        strategy="InverseVolatility",
        universe=PIT,
        tickers=["P4", "P5"],
        start=START,
        end=None,
        parameters={"lookback": 42},
    )

    assert universe_run.membership is not None
    pd.testing.assert_frame_equal(
        universe_run.membership, by_hand(pd.DatetimeIndex(universe_run.prices.index))
    )
    assert universe_run.membership_known_from == dt.date(2010, 1, 4)
    assert own_tickers.membership is None
    assert own_tickers.membership_known_from is None


def test_a_universe_run_only_holds_the_members_of_each_decision_date() -> None:
    prices = seed_prices(TICKERS, universe=None)
    make_pit_universe()

    run = start_run()

    assert run.status == RunStatus.COMPLETED, run.error
    expected = run_strategy(
        "InverseVolatility",
        prices,
        parameters={"lookback": 42},
        optimization_method="EqualWeight",
        start=START.isoformat(),
        membership=by_hand(pd.DatetimeIndex(prices.index)),
    )
    survivors = run_strategy(
        "InverseVolatility",
        prices,
        parameters={"lookback": 42},
        optimization_method="EqualWeight",
        start=START.isoformat(),
    )
    assert run.metrics == pytest.approx(expected.metrics, rel=1e-9, abs=1e-12)
    assert run.final_value == pytest.approx(expected.final_value, rel=1e-9)
    assert run.final_value != pytest.approx(survivors.final_value, rel=1e-9)
    assert run.details["membership"] == {"point_in_time": True, "point_in_time_from": "2022-01-03"}
    history = expected.weights
    # P4 only after it joined (decided on the close before each monthly execution).
    assert (history.loc[:"2022-06-01", "P4"] == 0).all()
    assert (history.loc["2022-07-01":, "P4"] > 0).all()
    # P5 sold at the first rebalance after it left, bought again after it came back.
    assert history["P5"].loc[pd.Timestamp("2022-02-01")] > 0
    assert (history.loc["2022-04-01":"2022-09-01", "P5"] == 0).all()
    assert history["P5"].loc[pd.Timestamp("2022-10-03")] > 0
    assert set(run.weights or {}) == set(TICKERS)


def test_a_run_with_its_own_tickers_is_not_masked() -> None:
    prices = seed_prices(TICKERS, universe=None)
    make_pit_universe()

    run = start_run(tickers=["P4", "P5"])

    expected = run_strategy(
        "InverseVolatility",
        prices[["P4", "P5"]],
        parameters={"lookback": 42},
        optimization_method="EqualWeight",
        start=START.isoformat(),
    )
    assert run.status == RunStatus.COMPLETED, run.error
    assert run.final_value == pytest.approx(expected.final_value, rel=1e-9)
    assert "membership" not in run.details
