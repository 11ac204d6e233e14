"""Portfolio allocation methods (the ``optimization_method`` of a backtest request).

Each method maps a window of daily returns (T x N, no NaN) to long-only weights summing to 1:

- ``EqualWeight``: 1/N.
- ``InverseVol``: w ∝ 1/sigma_i.
- ``HRP``: hierarchical risk parity (López de Prado 2016): correlation distance
  √((1 - rho)/2), hierarchical clustering, quasi-diagonal order, then recursive bisection of
  that order, splitting each cluster's budget in inverse proportion to the variance of the
  halves' inverse-variance portfolios.
- ``MVO``: long-only maximum Sharpe ratio on the Ledoit-Wolf shrunk covariance and sample
  mean returns, by projected gradient ascent on the simplex. The Sharpe ratio is
  pseudo-concave where the excess return is positive, so the ascent reaches the global
  maximum; when no asset has a positive excess return, the minimum-variance portfolio is
  returned instead (the maximum Sharpe portfolio is then meaningless).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.clustering import check_linkage, leaves_order, linkage
from strategies.engine.covariance import correlation_distance_from_covariance, ledoit_wolf
from strategies.engine.projection import project_to_simplex

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

METHODS = ("HRP", "MVO", "InverseVol", "EqualWeight")
_MAX_ITERATIONS = 500
_ACTIVE_SET_LIMIT = 80
_TOLERANCE = 1e-10


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"Unknown optimization_method '{method}'; expected one of {list(METHODS)}")
    return method


def equal_weight(n: int) -> FloatArray:
    return np.full(n, 1.0 / n) if n else np.empty(0)


def inverse_volatility(returns: FloatArray) -> FloatArray:
    """w ∝ 1/sigma; an asset with zero volatility shares equally with the others' mean 1/sigma."""
    vol = returns.std(axis=0, ddof=1) if returns.shape[0] > 1 else np.zeros(returns.shape[1])
    return _inverse(vol)


def _inverse(values: FloatArray) -> FloatArray:
    if values.size == 0:
        return values
    positive = values > 0
    if not positive.any():
        return equal_weight(values.size)
    inv = np.zeros_like(values)
    inv[positive] = 1.0 / values[positive]
    # A riskless-looking asset would otherwise take an infinite weight.
    inv[~positive] = inv[positive].mean()
    return np.asarray(inv / inv.sum(), dtype=np.float64)


@dataclass(frozen=True)
class _Level:
    """One level of HRP's recursive bisection: the clusters [start, stop) split there into
    [start, middle) and [middle, stop), and their halves (the left ones, then the right
    ones), some of a single position (where the recursion stops)."""

    starts: IntArray
    middles: IntArray
    stops: IntArray
    single: BoolArray  # per half
    single_at: IntArray  # the position of each half of one position


@dataclass(frozen=True)
class _Bisection:
    """The layout of the recursive bisection of n positions, which depends on n only.

    Every half of every level, top-down, is [lows[h], highs[h]); level l's halves are
    h in [offsets[l], offsets[l + 1]). The next level splits exactly the halves of two or
    more positions, in the same order.
    """

    levels: tuple[_Level, ...]
    lows: IntArray
    highs: IntArray
    offsets: tuple[int, ...]
    left: IntArray  # the index h of every left half, level after level
    right: IntArray  # and of the matching right half


def _read_only(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.setflags(write=False)
    return array


@functools.lru_cache(maxsize=16)
def _bisection(n: int) -> _Bisection:
    levels: list[_Level] = []
    lows: list[IntArray] = []
    highs: list[IntArray] = []
    offsets = [0]
    starts, stops = np.array([0]), np.array([n])
    while starts.size:
        middles = starts + (stops - starts) // 2
        half_lows = np.concatenate([starts, middles])
        half_highs = np.concatenate([middles, stops])
        single = half_highs - half_lows < 2
        levels.append(
            _Level(
                starts=_read_only(starts),
                middles=_read_only(middles),
                stops=_read_only(stops),
                single=_read_only(single),
                single_at=_read_only(half_lows[single]),
            )
        )
        lows.append(half_lows)
        highs.append(half_highs)
        offsets.append(offsets[-1] + half_lows.size)
        starts, stops = half_lows[~single], half_highs[~single]
    left = [np.arange(start, (start + stop) // 2) for start, stop in pairwise(offsets)]
    right = [np.arange((start + stop) // 2, stop) for start, stop in pairwise(offsets)]
    return _Bisection(
        levels=tuple(levels),
        lows=_read_only(np.concatenate(lows)),
        highs=_read_only(np.concatenate(highs)),
        offsets=tuple(offsets),
        left=_read_only(np.concatenate(left)),
        right=_read_only(np.concatenate(right)),
    )


def _bisect(layout: _Bisection, quadratics: FloatArray, u: FloatArray) -> FloatArray:
    """Weights (in quasi-diagonal order, summing to 1) of the recursive bisection.

    ``quadratics`` holds u^T C u over every half of the layout. The split factors of every
    level come in one go; then, level by level, each cluster carries its weight (the
    product of the factors of the halves it descends from), and a cluster of one asset
    hands its weight to that asset.
    """
    prefix = np.concatenate([[0.0], np.cumsum(u)])
    mass = prefix[layout.highs] - prefix[layout.lows]
    variance = np.where(mass > 0, quadratics / np.where(mass > 0, mass, 1.0) ** 2, 0.0)
    v_left, v_right = variance[layout.left], variance[layout.right]
    total = v_left + v_right
    alphas = np.where(total > 0, 1.0 - v_left / np.where(total > 0, total, 1.0), 0.5)
    weights = np.empty(u.size)
    cluster_weights = np.ones(1)
    done = 0
    for level in layout.levels:
        alpha = alphas[done : done + level.starts.size]
        done += level.starts.size
        halves = np.concatenate([cluster_weights * alpha, cluster_weights * (1.0 - alpha)])
        weights[level.single_at] = halves[level.single]
        cluster_weights = halves[~level.single]
    return weights / weights.sum()


def _quasi_diagonal_order(cov: FloatArray, method: str) -> IntArray:
    link = linkage(correlation_distance_from_covariance(cov), check_linkage(method))
    return np.array(leaves_order(link))


def hrp_from_covariance(cov: FloatArray, method: str = "ward") -> FloatArray:
    """HRP weights for a covariance matrix (see the module docstring).

    In quasi-diagonal order every bisected cluster is a contiguous block [s, e). The
    variance of its inverse-variance portfolio is (u^T C u) / (sum u)^2 over the block, with
    u = 1/diag(C); both sums come from prefix sums computed once, and all the bisections of
    one level of the recursion are done together with array operations.
    """
    n = cov.shape[0]
    if n <= 1:
        return np.ones(n)
    order = _quasi_diagonal_order(cov, method)
    ordered = cov.take(order, axis=0).take(order, axis=1)
    u = _inverse(np.diag(ordered).copy())
    block = np.zeros((n + 1, n + 1))
    inner = block[1:, 1:]
    np.multiply(ordered, u[:, None], out=inner)
    inner *= u[None, :]
    np.cumsum(inner, axis=0, out=inner)
    np.cumsum(inner, axis=1, out=inner)

    layout = _bisection(n)
    lows, highs = layout.lows, layout.highs
    quadratics = block[highs, highs] - block[lows, highs]
    quadratics += block[lows, lows] - block[highs, lows]
    result = np.empty(n)
    result[order] = _bisect(layout, quadratics, u)
    return result


def _quadratics_from_returns(scaled: FloatArray, layout: _Bisection) -> FloatArray:
    """u^T C u over every half of the layout, from centred returns instead of C.

    ``scaled`` is N x T: the centred returns of each asset (in quasi-diagonal order) times
    its u. With p = the sum of a block's rows (the return series of its u-weighted
    portfolio), u^T C u = p.p / (T - 1). The levels are walked bottom-up, each block's p
    being the sum of its halves' (a half of one asset is that asset's row): n - 1 sums of
    T-vectors, where C would cost a reordering and 2D prefix sums over N². No cancellation
    either, where differences of prefix sums lose digits (~1e-11 of the weights).
    """
    quadratics = np.empty(layout.lows.size)
    below = np.empty((0, scaled.shape[1]))  # p of the blocks split at the level below
    for level, start in zip(reversed(layout.levels), reversed(layout.offsets[:-1]), strict=True):
        split = level.starts.size
        halves = np.empty((2 * split, scaled.shape[1]))
        halves[level.single] = scaled[level.single_at]
        halves[~level.single] = below
        np.einsum("ij,ij->i", halves, halves, out=quadratics[start : start + 2 * split])
        below = halves[:split] + halves[split:]
    quadratics /= scaled.shape[1] - 1
    return quadratics


def _sample_covariance(returns: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The centred returns and ``np.cov(returns, rowvar=False)``, bit for bit: the same
    centring and the same symmetric BLAS product (T >= 2)."""
    centred = returns - returns.mean(axis=0)
    cov = np.dot(centred.T, centred)
    cov *= np.true_divide(1, returns.shape[0] - 1)
    return centred, cov


def hrp(returns: FloatArray, method: str = "ward") -> FloatArray:
    """HRP weights from a return window, on the sample covariance.

    The same as ``hrp_from_covariance(np.cov(returns, rowvar=False), method)``: the same
    covariance and clustering, bit for bit, but the variances of the bisection come from the
    returns (see :func:`_quadratics_from_returns`), several times cheaper and more accurate
    (the weights differ in the last digits only).
    """
    n = returns.shape[1]
    if n <= 1:
        return np.ones(n)
    if returns.shape[0] < 2:
        # No variance to speak of: whatever np.cov makes of it.
        return hrp_from_covariance(np.cov(returns, rowvar=False), method)
    centred, cov = _sample_covariance(returns)
    order = _quasi_diagonal_order(cov, method)
    u = _inverse(np.diag(cov)[order])
    scaled = centred.T[order]
    scaled *= u[:, None]
    layout = _bisection(n)
    result = np.empty(n)
    result[order] = _bisect(layout, _quadratics_from_returns(scaled, layout), u)
    return result


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
    w = _inverse(np.diag(cov).copy())
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
    w = _inverse(np.diag(cov).copy())
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
    w = 0.5 * best + 0.5 * _inverse(np.sqrt(np.clip(np.diag(cov), 0.0, None)))
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


def allocate_values(
    method: str,
    values: FloatArray,
    *,
    risk_free_rate: float = 0.0,
    linkage_method: str = "ward",
) -> FloatArray:
    """:func:`allocate` on a bare T x N array of returns: N weights summing to 1."""
    check_method(method)
    n = values.shape[1]
    if n == 0:
        return np.empty(0)
    if n == 1 or method == "EqualWeight" or values.shape[0] < 2:
        return equal_weight(n)
    if method == "InverseVol":
        return inverse_volatility(values)
    if method == "HRP":
        return hrp(values, linkage_method)
    return mvo(values, risk_free_rate)


def allocate(
    method: str,
    returns: pd.DataFrame,
    *,
    risk_free_rate: float = 0.0,
    linkage_method: str = "ward",
) -> pd.Series:
    """Weights (summing to 1) of the columns of ``returns`` under ``method``.

    ``returns`` must not contain NaN (see :func:`strategies.engine.returns.window_returns`).
    """
    check_method(method)
    tickers = returns.columns
    if len(tickers) == 0:
        return pd.Series(dtype=np.float64)
    weights = allocate_values(
        method,
        returns.to_numpy(dtype=np.float64),
        risk_free_rate=risk_free_rate,
        linkage_method=linkage_method,
    )
    return pd.Series(weights, index=tickers, dtype=np.float64)
