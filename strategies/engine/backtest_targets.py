"""Turning a weight function's Series into the arrays the simulation trades.

A weight function speaks in tickers and may be sloppy (duplicate labels, NaN for "leave it",
zero weights on tickers it was never shown); the simulation works on one float per column of
the price matrix. This is the only place that contract is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

# Gross exposure may exceed 1 by rounding only.
GROSS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Target:
    weights: FloatArray
    # Assets the strategy asked to keep as they are (NaN in its Series): not traded.
    hold: npt.NDArray[np.bool_]


def target_array(raw: pd.Series | None, tickers: pd.Index) -> Target | None:
    if raw is None:
        return None
    if not isinstance(raw, pd.Series):
        raise TypeError("a weight function must return a pandas Series or None")
    target = np.zeros(len(tickers))
    hold = np.zeros(len(tickers), dtype=bool)
    if raw.empty:
        return Target(target, hold)
    values = raw.to_numpy(dtype=np.float64)
    if np.isinf(values).any():
        raise ValueError("weights must be finite")
    positions = tickers.get_indexer(raw.index)
    unknown = (positions < 0) & (values != 0)
    if unknown.any():
        raise ValueError(f"weights for unknown tickers: {list(raw.index[unknown])[:5]}")
    known = positions >= 0
    held = known & np.isnan(values)
    hold[positions[held]] = True
    sized = known & ~held
    np.add.at(target, positions[sized], values[sized])
    gross = float(np.abs(target).sum())
    if gross > 1.0 + GROSS_TOLERANCE:
        raise ValueError(f"gross exposure {gross:.6f} exceeds 1")
    return Target(target, hold)
