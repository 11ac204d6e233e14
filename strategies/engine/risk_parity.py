"""Hierarchical risk parity (López de Prado 2016): the ``HRP`` allocation method.

Correlation distance √((1 - rho)/2), hierarchical clustering, quasi-diagonal order, then
recursive bisection of that order, splitting each cluster's budget in inverse proportion to
the variance of the halves' inverse-variance portfolios.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from strategies.engine.clustering import check_linkage, leaves_order, linkage
from strategies.engine.covariance import correlation_distance_from_covariance
from strategies.engine.simple_weights import normalised_inverse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


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
    u = normalised_inverse(np.diag(ordered).copy())
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
    u = normalised_inverse(np.diag(cov)[order])
    scaled = centred.T[order]
    scaled *= u[:, None]
    layout = _bisection(n)
    result = np.empty(n)
    result[order] = _bisect(layout, _quadratics_from_returns(scaled, layout), u)
    return result
