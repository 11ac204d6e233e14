"""Regime detection: risk on in calm markets, risk off in turbulent ones.

Every call classifies the market's regime with the HMM of :mod:`strategies.engine.regime`
over the last ``lookback`` days (the market is the SPY reference series when available,
otherwise an equal-weight index of the universe). EM is re-run every :data:`REFIT_EVERY`
trading days, warm-started from the previous fit; in between the fitted model only filters
the new days. Exposure to the universe (weighted by the allocation method) is 100 % in BULL,
50 % in CHOP and 0 % in BEAR; the rest goes to the defensive sleeve or cash.

While the regime is unchanged the drifted positions are kept, and re-weighted only every
:data:`REALLOCATE_EVERY` days. The latest estimate is kept in ``state["regime"]`` for the
dashboard.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.defensive import defensive_weights, risky_columns
from strategies.engine.parameters import IntParam, Param
from strategies.engine.regime import VOL_WINDOW, classify
from strategies.engine.returns import market_prices, tradable_columns
from strategies.engine.selection import allocate_selection

PARAMETERS: tuple[Param, ...] = (
    IntParam("n_states", 3, 2, 3),
    IntParam("lookback", 504, 126, 5040),
)
REFIT_EVERY = 63
EXPOSURE = {"BULL": 1.0, "CHOP": 0.5, "BEAR": 0.0}
BENCHMARK = "SPY"
REALLOCATE_EVERY = 63


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series | None:
    p = context.params
    window = min(p["lookback"] + VOL_WINDOW, len(prices) - 1)
    if window < 126:
        return pd.Series(dtype=np.float64)
    market = market_prices(prices, context.reference_series(BENCHMARK), window)
    state = context.state
    model = state.get("hmm")
    refit = model is None or len(prices) - int(state.get("fitted_at", 0)) >= REFIT_EVERY
    result = classify(market, n_states=p["n_states"], model=model, refit=refit)
    if result is None:
        return pd.Series(dtype=np.float64)
    estimate, model = result
    if refit:
        state["fitted_at"] = len(prices)
    state["hmm"] = model
    unchanged = state.get("regime", {}).get("current") == estimate.current
    state["regime"] = estimate.as_dict()
    exposure = EXPOSURE[estimate.current]
    held = context.current_weights[context.current_weights != 0]
    if (
        unchanged
        and not held.empty
        and len(prices) - state.get("allocated_at", 0) < REALLOCATE_EVERY
    ):
        # Same regime: keep the drifted positions rather than re-weighting every week.
        return None
    state["allocated_at"] = len(prices)
    risky = risky_columns(prices, tradable_columns(prices))
    risky_part = allocate_selection(prices, risky, context, budget=exposure)
    safe_part = defensive_weights(prices, 1.0 - exposure)
    return risky_part.add(safe_part, fill_value=0.0)
