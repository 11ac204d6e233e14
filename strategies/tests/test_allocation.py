"""Allocation methods, hierarchical clustering, covariance shrinkage and simplex projection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from strategies.engine.allocation import (
    allocate,
    hrp_from_covariance,
    inverse_volatility,
    max_sharpe,
    min_variance,
)
from strategies.engine.clustering import (
    _merged_row,
    cut_tree,
    leaves_order,
    linkage,
    silhouette_score,
)
from strategies.engine.covariance import ledoit_wolf
from strategies.engine.projection import project_to_simplex

POINTS = np.array([0.0, 1.0, 5.0, 6.0, 20.0])
LINE = np.abs(POINTS[:, None] - POINTS[None, :])


# -- clustering ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "heights"),
    [
        ("single", [1, 1, 4, 14]),
        ("complete", [1, 1, 6, 20]),
        # {0,1} vs {5,6}: mean of 5, 6, 4, 5; then 20 vs the four: mean of 20, 19, 15, 14.
        ("average", [1, 1, 5, 17]),
        # Ward: sqrt(2 n_a n_b / (n_a + n_b)) x centroid distance: 5*sqrt(2), 17*sqrt(8/5).
        ("ward", [1, 1, 5 * math.sqrt(2), 17 * math.sqrt(1.6)]),
    ],
)
def test_linkage_of_points_on_a_line_by_hand(method, heights):
    link = linkage(LINE, method)

    assert link[:, 2].tolist() == pytest.approx(heights)
    assert link[:, 3].tolist() == [2, 2, 4, 5]
    assert link[:2, :2].tolist() == [[0, 1], [2, 3]]
    assert link[2, :2].tolist() == [5, 6]  # the two pairs, by their cluster ids
    assert link[3, :2].tolist() == [4, 7]


def naive_heights(distance: np.ndarray, method: str) -> list[float]:
    """O(n^3) reference: always merge the globally closest pair of clusters."""
    dist = distance.copy() ** (2 if method == "ward" else 1)
    np.fill_diagonal(dist, np.inf)
    size = np.ones(len(dist))
    active = np.ones(len(dist), dtype=bool)
    heights = []
    for _ in range(len(dist) - 1):
        masked = np.where(np.outer(active, active), dist, np.inf)
        a, b = np.unravel_index(np.argmin(masked), masked.shape)
        heights.append(masked[a, b])
        new = _merged_row(method, dist[a], dist[b], dist[a, b], size, size[a], size[b])
        dist[b, :] = dist[:, b] = new
        dist[b, b] = np.inf
        active[a] = False
        size[b] += size[a]
    return sorted(np.sqrt(heights) if method == "ward" else heights)


@pytest.mark.parametrize("n", [20, 150])
@pytest.mark.parametrize("method", ["single", "complete", "average", "ward"])
def test_fast_linkage_matches_the_naive_algorithm(method, n):
    # 20 points use the chain only; 150 go through parallel rounds first.
    points = np.random.default_rng(n).normal(size=(n, 3))
    distance = np.sqrt(((points[:, None] - points[None, :]) ** 2).sum(axis=2))

    link = linkage(distance, method)

    assert link[:, 2].tolist() == pytest.approx(naive_heights(distance, method))
    assert link[-1, 3] == n
    assert np.all(np.diff(link[:, 2]) >= 0)
    # Every merge refers to clusters that already exist.
    assert np.all(link[:, :2] < n + np.arange(n - 1)[:, None])


@pytest.mark.parametrize("method", ["single", "complete", "average", "ward"])
def test_linkage_terminates_on_near_equal_distances_that_are_not_exactly_symmetric(method):
    # Perfectly correlated assets give distances of ~1e-9 whose transpose differs in the
    # last bit (BLAS); an asymmetric matrix used to make the chain cycle forever.
    rng = np.random.default_rng(7)
    distance = np.abs(rng.normal(1e-9, 1e-24, size=(40, 40)))
    np.fill_diagonal(distance, 0.0)
    assert not np.array_equal(distance, distance.T)

    link = linkage(distance, method)

    assert link.shape == (39, 4)
    assert link[-1, 3] == 40
    assert np.all(np.isfinite(link[:, 2]))


def test_leaves_order_keeps_clusters_contiguous():
    order = leaves_order(linkage(LINE, "average"))

    assert sorted(order) == [0, 1, 2, 3, 4]
    positions = {leaf: i for i, leaf in enumerate(order)}
    assert abs(positions[0] - positions[1]) == 1
    assert abs(positions[2] - positions[3]) == 1


def test_cut_tree_undoes_the_last_merges():
    link = linkage(LINE, "single")

    assert cut_tree(link, 2).tolist() == [0, 0, 0, 0, 1]
    assert cut_tree(link, 3).tolist() == [0, 0, 1, 1, 2]
    assert cut_tree(link, 1).tolist() == [0] * 5


def test_silhouette_is_high_for_separated_groups_and_zero_for_one_cluster():
    labels = np.array([0, 0, 1, 1, 1])
    distance = np.abs(np.array([0, 0.1, 10, 10.1, 10.2])[:, None] - [0, 0.1, 10, 10.1, 10.2])

    assert silhouette_score(distance, labels) > 0.95
    assert silhouette_score(distance, np.zeros(5, dtype=np.intp)) == 0.0


def test_unknown_linkage_is_rejected():
    with pytest.raises(ValueError, match="centroid"):
        linkage(LINE, "centroid")


# -- allocation methods -------------------------------------------------------------------


def test_inverse_volatility_weights():
    returns = np.column_stack([[0.01, -0.01] * 10, [0.02, -0.02] * 10])

    assert inverse_volatility(returns).tolist() == pytest.approx([2 / 3, 1 / 3])


def test_hrp_of_two_uncorrelated_assets_is_inverse_variance():
    weights = hrp_from_covariance(np.diag([1e-4, 4e-4]))

    assert weights.tolist() == pytest.approx([0.8, 0.2])


def block_returns(seed: int = 0, days: int = 500) -> pd.DataFrame:
    """Two clusters of three assets: calm (0.5 % daily) and volatile (2 % daily)."""
    rng = np.random.default_rng(seed)
    calm_factor, wild_factor = rng.normal(0, 1, days), rng.normal(0, 1, days)
    columns = {}
    for i in range(3):
        columns[f"calm{i}"] = 0.005 * (0.9 * calm_factor + 0.44 * rng.normal(0, 1, days))
        columns[f"wild{i}"] = 0.02 * (0.9 * wild_factor + 0.44 * rng.normal(0, 1, days))
    return pd.DataFrame(columns)


@pytest.mark.parametrize("method", ["single", "complete", "average", "ward"])
def test_hrp_gives_more_weight_to_the_low_variance_cluster(method):
    weights = allocate("HRP", block_returns(), linkage_method=method)

    calm = weights.filter(like="calm").sum()
    assert calm > 0.9
    assert weights.sum() == pytest.approx(1.0)
    assert (weights > 0).all()


def test_max_sharpe_matches_the_closed_form_when_long_only_is_not_binding():
    # Uncorrelated, equal variance: w ∝ mu / sigma^2.
    weights = max_sharpe(np.array([0.002, 0.001]), np.diag([1e-4, 1e-4]))

    assert weights.tolist() == pytest.approx([2 / 3, 1 / 3], abs=1e-6)


def test_max_sharpe_is_long_only():
    weights = max_sharpe(np.array([0.002, -0.001]), np.diag([1e-4, 1e-4]))

    assert weights.tolist() == pytest.approx([1.0, 0.0], abs=1e-9)


def test_max_sharpe_without_a_positive_excess_return_is_minimum_variance():
    weights = max_sharpe(np.array([-0.001, -0.002]), np.diag([1e-4, 4e-4]))

    assert weights.tolist() == pytest.approx([0.8, 0.2], abs=1e-6)


def test_min_variance_matches_the_closed_form():
    cov = np.array([[1.0, 0.3], [0.3, 2.0]]) * 1e-4
    closed = np.linalg.solve(cov, np.ones(2))

    assert min_variance(cov).tolist() == pytest.approx((closed / closed.sum()).tolist(), abs=1e-6)


@pytest.mark.parametrize("method", ["HRP", "MVO", "InverseVol", "EqualWeight"])
def test_every_method_returns_long_only_weights_summing_to_one(method):
    weights = allocate(method, block_returns(seed=2), risk_free_rate=0.04)

    assert list(weights.index) == list(block_returns(seed=2).columns)
    assert weights.sum() == pytest.approx(1.0)
    assert (weights >= 0).all()


def test_unknown_allocation_method_is_rejected():
    with pytest.raises(ValueError, match="optimization_method 'Kelly'"):
        allocate("Kelly", block_returns())


# -- covariance and projection ------------------------------------------------------------


def test_ledoit_wolf_shrinks_towards_the_scaled_identity_and_keeps_the_trace():
    returns = block_returns().to_numpy()[:40]
    sample = np.cov(returns, rowvar=False, ddof=0)

    shrunk = ledoit_wolf(returns)

    assert np.trace(shrunk) == pytest.approx(np.trace(sample))
    off = ~np.eye(6, dtype=bool)
    assert np.all(np.abs(shrunk[off]) <= np.abs(sample[off]) + 1e-15)
    assert np.all(np.linalg.eigvalsh(shrunk) > 0)


@pytest.mark.parametrize(
    ("v", "expected"),
    [([0.5, 0.5], [0.5, 0.5]), ([2.0, 0.0], [1.0, 0.0]), ([0.6, 0.6], [0.5, 0.5])],
)
def test_simplex_projection_by_hand(v, expected):
    assert project_to_simplex(np.array(v)).tolist() == pytest.approx(expected)


def test_simplex_projection_satisfies_the_optimality_conditions():
    v = np.random.default_rng(4).normal(size=50)

    w = project_to_simplex(v)

    assert w.sum() == pytest.approx(1.0)
    assert (w >= 0).all()
    # KKT: v - w is the same constant theta on the support and v <= theta off it.
    theta = (v - w)[w > 0]
    assert np.ptp(theta) < 1e-12
    assert np.all(v[w == 0] <= theta[0] + 1e-12)
