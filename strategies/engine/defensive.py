"""The defensive sleeve: where risk-off money goes.

The defensive candidates are the bond ETFs TLT, IEF and BND. The sleeve holds the one with
the best trailing return over ``lookback`` days among those present in the universe, and
only if that return is positive; otherwise it stays in cash (falling bonds are no shelter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.returns import trailing_return

DEFENSIVE_TICKERS = ("TLT", "IEF", "BND")


def defensive_weights(prices: pd.DataFrame, budget: float, lookback: int = 126) -> pd.Series:
    """``budget`` on the best defensive ETF, or an empty Series (cash)."""
    present = pd.Index([t for t in DEFENSIVE_TICKERS if t in prices.columns])
    if budget <= 0 or present.empty:
        return pd.Series(dtype=np.float64)
    performance = trailing_return(prices, min(lookback, len(prices) - 1), tickers=present)
    if performance.empty or float(performance.max()) <= 0:
        return pd.Series(dtype=np.float64)
    return pd.Series({str(performance.idxmax()): budget}, dtype=np.float64)


def risky_columns(prices: pd.DataFrame, columns: pd.Index) -> pd.Index:
    """``columns`` without the defensive ETFs."""
    return columns[~columns.isin(DEFENSIVE_TICKERS)]
