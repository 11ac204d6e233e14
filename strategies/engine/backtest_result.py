"""What a backtest returns: the result dataclass and its trades frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.backtest_targets import FloatArray
from strategies.engine.costs import TradeCosts
from strategies.engine.metrics import Metrics

TRADE_COLUMNS = ["date", "ticker", "delta_weight", "notional", "fee", "slippage", "impact", "cost"]

# One execution's trades: its row, the traded columns, their weight changes and costs. The
# simulation keeps these raw arrays because they are cheap to append at each execution;
# ``trades_frame`` frames them all once at the end.
TradeRow = tuple[int, npt.NDArray[np.intp], FloatArray, TradeCosts]


@dataclass(frozen=True)
class BacktestResult:
    equity: pd.Series
    returns: pd.Series
    # Post-trade target weights on each execution day (only tickers ever held).
    weights: pd.DataFrame
    trades: pd.DataFrame
    metrics: Metrics
    # Drifted weights at the last close (non-zero positions only).
    final_weights: pd.Series
    daily_weights: pd.DataFrame | None = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def final_value(self) -> float:
        return float(self.equity.iloc[-1])

    @property
    def total_costs(self) -> float:
        return float(self.trades["cost"].sum()) if not self.trades.empty else 0.0


def trades_frame(
    rows: list[TradeRow],
    index: pd.DatetimeIndex,
    tickers: pd.Index,
) -> pd.DataFrame:
    if not rows:
        empty: dict[str, object] = {column: pd.Series(dtype=np.float64) for column in TRADE_COLUMNS}
        empty["date"] = pd.Series(dtype=index.dtype)
        empty["ticker"] = pd.Series(dtype=tickers.dtype)
        return pd.DataFrame(empty)
    days = np.concatenate([np.full(len(traded), e) for e, traded, _, _ in rows])
    assets = np.concatenate([traded for _, traded, _, _ in rows])
    fee = np.concatenate([c.fee for *_, c in rows])
    slippage = np.concatenate([c.slippage for *_, c in rows])
    impact = np.concatenate([c.impact for *_, c in rows])
    return pd.DataFrame(
        {
            "date": index[days],
            "ticker": tickers[assets],
            "delta_weight": np.concatenate([delta for _, _, delta, _ in rows]),
            "notional": np.concatenate([c.notional for *_, c in rows]),
            "fee": fee,
            "slippage": slippage,
            "impact": impact,
            "cost": fee + slippage + impact,
        }
    )
