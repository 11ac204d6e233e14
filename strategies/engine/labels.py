"""Triple-barrier labels (López de Prado, *Advances in Financial Machine Learning*, ch. 3).

For an event on asset i at day t, with daily volatility sigma at t, the barriers are
±``width``·sigma·√``horizon`` around the entry (in log-price) and a vertical barrier ``horizon``
days later. The label is 1 when the upper barrier is touched first, 0 when the lower one is;
if neither is touched it is 1 when the return at the vertical barrier is positive.
The caller must only label events whose vertical barrier is on or before the decision date.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def triple_barrier_labels(
    log_prices: FloatArray,
    rows: IntArray,
    columns: IntArray,
    volatility: FloatArray,
    *,
    horizon: int,
    width: float = 1.0,
) -> FloatArray:
    """Labels (1.0 / 0.0, NaN when the path has a gap) of events at (rows, columns).

    ``log_prices`` is T x N; every ``rows + horizon`` must be < T.
    """
    steps = np.arange(1, horizon + 1)
    paths = log_prices[rows[:, None] + steps[None, :], columns[:, None]]
    moves = paths - log_prices[rows, columns][:, None]
    barrier = (width * volatility * np.sqrt(horizon))[:, None]
    up = moves >= barrier
    down = moves <= -barrier
    # First touch index, or horizon (never) when the barrier is not touched.
    first_up = np.where(up.any(axis=1), up.argmax(axis=1), horizon)
    first_down = np.where(down.any(axis=1), down.argmax(axis=1), horizon)
    final_positive = moves[:, -1] > 0
    labels = np.where(
        first_up < first_down,
        1.0,
        np.where(first_down < first_up, 0.0, final_positive.astype(np.float64)),
    )
    return np.where(np.isfinite(moves).all(axis=1) & np.isfinite(volatility), labels, np.nan)
