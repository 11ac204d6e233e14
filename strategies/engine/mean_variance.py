"""Long-only mean-variance weights: the ``MVO`` allocation method and minimum variance.

``MVO`` is the maximum Sharpe ratio on the Ledoit-Wolf shrunk covariance and sample mean
returns, by projected gradient ascent on the simplex. The Sharpe ratio is pseudo-concave
where the excess return is positive, so the ascent reaches the global maximum; when no asset
has a positive excess return, the minimum-variance portfolio is returned instead (the
maximum Sharpe portfolio is then meaningless).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from strategies.engine.covariance import ledoit_wolf
from strategies.engine.projection import project_to_simplex
from strategies.engine.simple_weights import equal_weight, normalised_inverse

FloatArray = npt.NDArray[np.float64]

_MAX_ITERATIONS = 500
_ACTIVE_SET_LIMIT = 80
_TOLERANCE = 1e-10


def _largest_eigenvalue(matrix: FloatArray) -> float:
    # A few power iterations are enough for a step size; the Frobenius norm bounds it above.
    v = np.ones(matrix.shape[0]) / math.sqrt(matrix.shape[0])
    estimate = 0.0
    for _ in range(30):
        u = matrix @ v
        norm = float(np.linalg.norm(u))
        if norm == 0:
            return 0.0
        v = u / norm
        estimate = norm
    return min(estimate * 1.1, float(np.linalg.norm(matrix)))


def _min_variance_active_set(cov: FloatArray) -> FloatArray:
    """Exact long-only minimum variance by a primal active-set method (small problems).

    Keeps a feasible w and a set of assets pinned at zero. On the free assets the
    equality-constrained optimum is w* ∝ Σ⁻¹1. If w* is feasible and every pinned asset's
    Lagrange multiplier is non-negative the point is optimal; otherwise the most negative
    multiplier is released, or the step towards w* stops at the first weight to hit zero,
    which is pinned. Each iteration is one small linear solve.
    """
    n = cov.shape[0]
    ridge = 1e-12 * float(np.trace(cov)) / n
    w = normalised_inverse(np.diag(cov).copy())
    free = np.ones(n, dtype=bool)
    for _ in range(10 * n):
        idx = np.flatnonzero(free)
        sub = cov[np.ix_(idx, idx)] + ridge * np.eye(idx.size)
        direction = np.linalg.solve(sub, np.ones(idx.size))
        target = direction / direction.sum()
        if np.all(target >= 0):
            w = np.zeros(n)
            w[idx] = target
            gradient = cov @ w
            level = float(w @ gradient)  # the multiplier: gradient on free assets
            slack = np.where(free, np.inf, gradient - level)
            worst = int(np.argmin(slack))
            if slack[worst] >= -1e-12 * max(level, 1e-300):
                return w
            free[worst] = True
            continue
        current = w[idx]
        shrinking = target < current
        ratios = np.where(shrinking, current / np.where(shrinking, current - target, 1.0), np.inf)
        blocking = int(np.argmin(ratios))
        alpha = min(1.0, float(ratios[blocking]))
        w = np.zeros(n)
        w[idx] = current + alpha * (target - current)
        w[idx[blocking]] = 0.0
        free[idx[blocking]] = False
        w = np.clip(w, 0.0, None)
        w /= w.sum()
    return w


def _min_variance_fista(cov: FloatArray, *, tolerance: float = 1e-7) -> FloatArray:
    """Long-only minimum-variance weights by accelerated projected gradient (FISTA).

    Uses the adaptive restart of O'Donoghue & Candes (momentum is reset when it points
    uphill) and stops on the Frank-Wolfe duality gap w.g - min(g) <= tolerance x variance,
    a certificate that the variance is within that relative distance of the optimum.
    """
    n = cov.shape[0]
    if n <= 1:
        return np.ones(n)
    lipschitz = 2.0 * _largest_eigenvalue(cov)
    if lipschitz <= 0:
        return equal_weight(n)
    step = 1.0 / lipschitz
    w = normalised_inverse(np.diag(cov).copy())
    y, t = w.copy(), 1.0
    for iteration in range(_MAX_ITERATIONS):
        w_next = project_to_simplex(y - step * 2.0 * (cov @ y))
        if float((y - w_next) @ (w_next - w)) > 0:
            t = 1.0  # restart: the momentum step went uphill
        t_next = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        y = w_next + (t - 1.0) / t_next * (w_next - w)
        w, t = w_next, t_next
        if iteration % 5 == 4:
            gradient = 2.0 * (cov @ w)
            variance = float(w @ gradient) / 2.0
            if float(w @ gradient - gradient.min()) <= tolerance * max(variance, 1e-300):
                break
    return w


def min_variance(cov: FloatArray) -> FloatArray:
    """Long-only minimum-variance weights: exact active set for small problems, FISTA for
    large ones (where pinning assets one at a time would take hundreds of solves)."""
    n = cov.shape[0]
    if n <= 1:
        return np.ones(n)
    if n <= _ACTIVE_SET_LIMIT:
        return _min_variance_active_set(cov)
    return _min_variance_fista(cov)


def max_sharpe(mean: FloatArray, cov: FloatArray, risk_free: float = 0.0) -> FloatArray:
    """Long-only maximum Sharpe weights (per-period ``mean`` and ``risk_free``)."""
    n = mean.size
    if n <= 1:
        return np.ones(n)
    excess = mean - risk_free
    if float(excess.max()) <= 0:
        return min_variance(cov)

    def sharpe(w: FloatArray) -> float:
        variance = float(w @ cov @ w)
        return float(excess @ w) / math.sqrt(variance) if variance > 0 else -math.inf

    # Start from the best single asset blended with inverse vol: a feasible point with a
    # positive excess return, where the ratio is pseudo-concave.
    best = np.zeros(n)
    best[int(np.argmax(excess / np.sqrt(np.clip(np.diag(cov), 1e-18, None))))] = 1.0
    w = 0.5 * best + 0.5 * normalised_inverse(np.sqrt(np.clip(np.diag(cov), 0.0, None)))
    if float(excess @ w) <= 0:
        w = best
    value = sharpe(w)
    step = 1.0
    for _ in range(_MAX_ITERATIONS):
        sigma_w = cov @ w
        variance = float(w @ sigma_w)
        vol = math.sqrt(variance)
        gradient = excess / vol - float(excess @ w) * sigma_w / vol**3
        # Backtracking: shrink the step until the projected move improves the ratio.
        while True:
            candidate = project_to_simplex(w + step * gradient)
            candidate_value = sharpe(candidate)
            if candidate_value >= value or step < 1e-12:
                break
            step /= 2.0
        moved = float(np.abs(candidate - w).sum())
        if candidate_value < value:
            break
        w, value = candidate, candidate_value
        step *= 2.0
        if moved < _TOLERANCE:
            break
    return w


def mvo(
    returns: FloatArray, risk_free_rate: float = 0.0, periods_per_year: int = 252
) -> FloatArray:
    """Max-Sharpe weights from a return window (shrunk covariance, annual ``risk_free_rate``)."""
    cov = ledoit_wolf(returns)
    return max_sharpe(returns.mean(axis=0), cov, risk_free_rate / periods_per_year)
