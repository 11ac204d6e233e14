"""Transaction costs of a rebalance, as a function of the weight changes.

For a change Δw of one asset's weight, with portfolio equity E before the trade:

- notional = |Δw| · E
- fee = ``fee_per_trade`` (3.0 currency units) when |Δw| > ``fee_threshold`` (0.005); tiny
  top-ups are assumed to be netted by the broker and carry no ticket fee
- slippage = notional · ``slippage_bps`` / 10⁴ (0.5 bp), on every trade
- impact = notional · ``impact_bps`` / 10⁴ · √(|Δw| / ``impact_scale``) when |Δw| >
  ``impact_threshold`` (0.25 bp scaled by √(|Δw|/0.05), above 1 %): square-root market impact
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TradeCosts:
    notional: FloatArray
    fee: FloatArray
    slippage: FloatArray
    impact: FloatArray

    @property
    def total(self) -> float:
        return float(self.fee.sum() + self.slippage.sum() + self.impact.sum())


@dataclass(frozen=True)
class CostModel:
    fee_per_trade: float = 3.0
    fee_threshold: float = 0.005
    slippage_bps: float = 0.5
    impact_bps: float = 0.25
    impact_threshold: float = 0.01
    impact_scale: float = 0.05

    def costs(self, delta_weights: FloatArray, equity: float) -> TradeCosts:
        """Costs of trading ``delta_weights`` (fractions of ``equity``), per asset."""
        size = np.abs(delta_weights)
        notional = size * equity
        fee = np.where(size > self.fee_threshold, self.fee_per_trade, 0.0)
        slippage = notional * self.slippage_bps / 1e4
        impact = np.where(
            size > self.impact_threshold,
            notional * self.impact_bps / 1e4 * np.sqrt(size / self.impact_scale),
            0.0,
        )
        return TradeCosts(notional=notional, fee=fee, slippage=slippage, impact=impact)


DEFAULT_COSTS = CostModel()
NO_COSTS = CostModel(fee_per_trade=0.0, slippage_bps=0.0, impact_bps=0.0)
