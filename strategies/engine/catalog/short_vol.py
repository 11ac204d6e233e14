"""Short volatility: harvest the variance risk premium while it is safe to.

Signal on the decision close, from ^VIX (required, in the reference data or the price
matrix) and the market's realised volatility (SPY reference, else the equal-weight universe):

- VRP = VIX - 21-day realised volatility (annualised, in VIX points) must be positive;
- VIX must be below ``vix_threshold``;
- with ``term_structure = "contango"`` the VIX curve must be in contango: VIX < VIX3M
  (^VIX3M, or its old name ^VXV). Without a 3-month series the term structure is
  approximated by VIX below its own 20-day mean — a spot VIX above its recent average is
  how backwardation shows up in spot data. ``"any"`` ignores the term structure.

When the signal is on, the portfolio holds the short-volatility ETF present in the universe
(:data:`SHORT_VOL_TICKERS`, first found), or else — short volatility is economically a
short put on the market — the equity universe weighted by the allocation method. When it is
off, the defensive sleeve or cash. The signal is checked every day, but while it is unchanged
the drifted positions are kept (re-weighted every :data:`REALLOCATE_EVERY` days at most).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.defensive import defensive_weights, risky_columns
from strategies.engine.parameters import ChoiceParam, FloatParam, Param
from strategies.engine.returns import market_prices, tradable_columns
from strategies.engine.selection import allocate_selection

PARAMETERS: tuple[Param, ...] = (
    FloatParam("vix_threshold", 20.0, 0.0, 200.0, exclusive_minimum=True),
    ChoiceParam("term_structure", "contango", ("contango", "any")),
)
VIX = "^VIX"
VIX_3M = ("^VIX3M", "^VXV")
SHORT_VOL_TICKERS = ("SVXY", "SVIX", "ZIV", "XIV")
REALISED_WINDOW = 21
TERM_PROXY_WINDOW = 20
BENCHMARK = "SPY"
REALLOCATE_EVERY = 21


def short_vol_signal(prices: pd.DataFrame, context: DecisionContext) -> bool | None:
    """True when the premium may be harvested; None when there is not enough data."""
    p = context.params
    vix_series = context.reference_series(VIX, prices)
    if vix_series is None:
        raise ValueError("Short_Vol needs ^VIX prices in the reference data")
    vix = vix_series.dropna()
    market = market_prices(prices, context.reference_series(BENCHMARK), REALISED_WINDOW)
    if len(vix) < TERM_PROXY_WINDOW or len(market) < REALISED_WINDOW + 1:
        return None
    if vix.index[-1] != prices.index[-1]:
        return None  # no VIX print on the decision day: do not act on a stale level
    level = float(vix.iloc[-1])
    realised = float(market.pct_change().std(ddof=1)) * math.sqrt(252) * 100.0
    if not (level - realised > 0 and level < p["vix_threshold"]):
        return False
    if p["term_structure"] == "any":
        return True
    for name in VIX_3M:
        three_month = context.reference_series(name, prices)
        if three_month is not None and math.isfinite(float(three_month.iloc[-1])):
            return level < float(three_month.iloc[-1])
    return level < float(vix.iloc[-TERM_PROXY_WINDOW:].mean())


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series | None:
    signal = short_vol_signal(prices, context)
    state = context.state
    unchanged = signal is not None and signal == state.get("signal")
    state["signal"] = signal
    if signal is None:
        return pd.Series(dtype=np.float64)
    held = context.current_weights[context.current_weights != 0]
    if (
        unchanged
        and not held.empty
        and len(prices) - state.get("allocated_at", 0) < REALLOCATE_EVERY
    ):
        # The signal is checked daily but an unchanged signal keeps the (drifted) positions:
        # re-weighting the sleeve every day would only pay costs.
        return None
    state["allocated_at"] = len(prices)
    if not signal:
        return defensive_weights(prices, 1.0)
    for ticker in SHORT_VOL_TICKERS:
        if ticker in prices.columns and math.isfinite(float(prices[ticker].iloc[-1])):
            return pd.Series({ticker: 1.0}, dtype=np.float64)
    universe = [
        t for t in risky_columns(prices, tradable_columns(prices)) if t not in SHORT_VOL_TICKERS
    ]
    return allocate_selection(prices, universe, context)
