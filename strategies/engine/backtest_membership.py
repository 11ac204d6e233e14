"""Point-in-time membership: what a decision may see and what it must sell.

Hiding non-members from the weight function is what keeps a backtest free of survivorship
bias; forcing their weights to 0 afterwards covers strategies that ignore what they were shown
and positions bought while the ticker was still a member.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.backtest_targets import FloatArray, Target

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class MarketFrames:
    prices: pd.DataFrame
    volumes: pd.DataFrame | None
    highs: pd.DataFrame | None
    lows: pd.DataFrame | None


def membership_mask(membership: pd.DataFrame | None, prices: pd.DataFrame) -> BoolArray | None:
    """``membership`` on the prices' dates and tickers; a date or ticker it lacks is False."""
    if membership is None:
        return None
    if not isinstance(membership.index, pd.DatetimeIndex):
        raise ValueError("membership must be indexed by date")
    aligned = membership.astype(bool).reindex(
        index=prices.index, columns=prices.columns, fill_value=False
    )
    return np.asarray(aligned.to_numpy(dtype=bool), dtype=np.bool_)


def members_only(decision: Target | None, members: BoolArray, current: FloatArray) -> Target | None:
    """``decision`` with every non-member at 0; "no trade" still sells departed tickers."""
    outside = ~members
    if decision is None:
        if not (outside & (current != 0)).any():
            return None
        # Keep every member as it is (hold) and sell the rest.
        return Target(np.zeros(len(members)), members.copy())
    weights = decision.weights.copy()
    weights[outside] = 0.0
    return Target(weights, decision.hold & members)


class EligibleFrames:
    """The frames a decision may see, restricted to the members of its day."""

    def __init__(self, full: MarketFrames, membership: BoolArray | None) -> None:
        self.full = full
        self.membership = membership
        # Member-only frames of the last membership set seen: it changes rarely, so they are
        # sliced once per set rather than once per decision.
        self._key: bytes | None = None
        self._eligible = full

    def on(self, d: int) -> MarketFrames:
        """Prices, volumes, highs and lows with the columns the strategy may see on ``d``."""
        if self.membership is None:
            return self.full
        eligible = self.membership[d]
        if eligible.all():
            return self.full
        key = eligible.tobytes()
        if key != self._key:
            columns = np.flatnonzero(eligible)

            def pick(frame: pd.DataFrame | None) -> pd.DataFrame | None:
                return None if frame is None else frame.iloc[:, columns]

            full = self.full
            self._eligible = MarketFrames(
                full.prices.iloc[:, columns], pick(full.volumes), pick(full.highs), pick(full.lows)
            )
            self._key = key
        return self._eligible
