"""Euclidean projection onto the probability simplex {w ≥ 0, Σw = 1}."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def project_to_simplex(v: FloatArray, total: float = 1.0) -> FloatArray:
    """argmin ‖w - v‖ over w ≥ 0, Σw = total (Duchi et al. 2008, O(n log n))."""
    if v.size == 0:
        return v.astype(np.float64)
    u = np.sort(v)[::-1]
    cumulative = np.cumsum(u) - total
    ranks = np.arange(1, v.size + 1)
    rho = int(np.flatnonzero(u - cumulative / ranks > 0)[-1])
    theta = cumulative[rho] / (rho + 1)
    return np.asarray(np.maximum(v - theta, 0.0), dtype=np.float64)
