"""Quallamaggie: a breakout entry with ADR and volume surge, and the trailing exit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.costs import NO_COSTS
from strategies.engine.registry import run_strategy


def breakout_market() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """RUN: flat, a 60-day run-up, a 10-day flag, a breakout on 3x volume (day 171), ten
    more up days, then a slide. Three flat stocks around it."""
    days = 200
    index = pd.bdate_range("2021-01-01", periods=days)
    run = np.full(days, 20.0)
    run[100:161] = 20.0 * 1.008 ** np.arange(61)
    run[161:171] = run[160]
    run[171] = run[170] * 1.05
    run[172:182] = run[171] * 1.01 ** np.arange(1, 11)
    run[182:] = run[181] * 0.97 ** np.arange(1, days - 181)
    rng = np.random.default_rng(0)
    close = pd.DataFrame({"RUN": run}, index=index)
    for name in ("F1", "F2", "F3"):
        close[name] = 30 * np.exp(np.cumsum(rng.normal(0, 0.005, days)))
    high, low = close * 1.02, close * 0.98
    volume = pd.DataFrame(1e6, index=index, columns=close.columns)
    volume.iloc[171, 0] = 3e6
    return close, high, low, volume


def test_a_breakout_is_bought_the_next_day_and_sold_on_the_trailing_exit():
    close, high, low, volume = breakout_market()

    result = run_strategy(
        "Quallamaggie",
        close,
        start=close.index[100],
        volumes=volume,
        highs=high,
        lows=low,
        costs=NO_COSTS,
    )

    trades = result.trades
    assert trades["ticker"].tolist() == ["RUN", "RUN"]
    buy, sell = trades.iloc[0], trades.iloc[1]
    assert buy["date"] == close.index[172]  # decided on the breakout close, traded next close
    assert buy["delta_weight"] == 0.1  # one of ten slots
    assert sell["delta_weight"] < 0
    # Sold after the slide took the close below its 10-day average, not before the peak.
    assert sell["date"] > close.index[181]
    assert result.final_weights.empty


def test_no_entry_without_the_volume_surge():
    close, high, low, volume = breakout_market()
    volume.iloc[171, 0] = 1e6

    result = run_strategy(
        "Quallamaggie", close, start=close.index[100], volumes=volume, highs=high, lows=low
    )

    assert result.trades.empty


def test_no_entry_below_the_minimum_adr():
    close, high, low, volume = breakout_market()

    result = run_strategy(
        "Quallamaggie",
        close,
        start=close.index[100],
        volumes=volume,
        highs=high,
        lows=low,
        parameters={"adr_min": 5.0},  # the synthetic ADR is about 4.1 %
    )

    assert result.trades.empty
