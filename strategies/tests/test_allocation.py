"""Allocation methods, hierarchical clustering, covariance shrinkage and simplex projection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from strategies.engine.allocation import (
    allocate,
    allocate_values,
    hrp,
    hrp_from_covariance,
    inverse_volatility,
    max_sharpe,
    min_variance,
)
from strategies.engine.clustering import (
    LINKAGES,
    _merged_row,
    cut_tree,
    leaves_order,
    linkage,
    silhouette_score,
)
from strategies.engine.covariance import (
    correlation_distance,
    correlation_distance_from_covariance,
    correlation_from_covariance,
    ledoit_wolf,
)
from strategies.engine.projection import project_to_simplex
from strategies.engine.returns import window_return_matrix, window_returns
from strategies.engine.risk_parity import _sample_covariance

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


def reference_linkage(
    distance: np.ndarray, method: str, follow: np.ndarray | None = None
) -> np.ndarray:
    """Straightforward O(n^3) clustering, independent of the fast code: merge the two closest
    clusters (the lowest ids on a tie), give the union its Lance-Williams distances, number
    clusters like SciPy (n + step).

    With ``follow`` (a linkage matrix) ties are resolved as it resolved them: its next merge
    must join two current clusters at the smallest current distance (up to rounding, as
    tied distances reached through different merge orders can differ in the last bits),
    and is the merge taken.
    """
    n = len(distance)
    ward = method == "ward"
    symmetric = (distance + distance.T) / 2
    d = np.full((2 * n - 1, 2 * n - 1), np.inf)
    d[:n, :n] = symmetric**2 if ward else symmetric
    size = np.ones(2 * n - 1)
    active = list(range(n))
    rows = []
    for step in range(n - 1):
        among = d[np.ix_(active, active)]
        np.fill_diagonal(among, np.inf)
        closest = among.min()
        if follow is None:
            i, j = np.unravel_index(np.argmin(among), among.shape)
            x, y = active[min(i, j)], active[max(i, j)]
        else:
            x, y = int(follow[step, 0]), int(follow[step, 1])
            assert x in active
            assert y in active
            assert x != y
            assert d[x, y] <= closest + 1e-9 * abs(closest)
        h = d[x, y]
        others = [k for k in active if k not in (x, y)]
        dx, dy, nx, ny, nk = d[x, others], d[y, others], size[x], size[y], size[others]
        if method == "single":
            union = np.minimum(dx, dy)
        elif method == "complete":
            union = np.maximum(dx, dy)
        elif method == "average":
            union = (nx * dx + ny * dy) / (nx + ny)
        else:
            union = ((nx + nk) * dx + (ny + nk) * dy - nk * h) / (nx + ny + nk)
        new = n + step
        d[new, others] = union
        d[others, new] = union
        size[new] = nx + ny
        active = [*others, new]
        rows.append([x, y, math.sqrt(h) if ward else h, size[new]])
    return np.array(rows).reshape(n - 1, 4)


def euclidean(points: np.ndarray) -> np.ndarray:
    return np.sqrt(((points[:, None] - points[None, :]) ** 2).sum(axis=2))


@pytest.mark.parametrize("n", [2, 3, 9, 40, 170])
@pytest.mark.parametrize("method", LINKAGES)
def test_linkage_equals_the_reference_implementation(method, n):
    # Distinct distances: the result is unique. 170 points go through the parallel rounds
    # (and a compaction) before the chain; up to ~20 only through the chain.
    for seed in range(3):
        distance = euclidean(np.random.default_rng(1000 * n + seed).normal(size=(n, 4)))

        link = linkage(distance, method)
        expected = reference_linkage(distance, method)

        assert link[:, [0, 1, 3]].tolist() == expected[:, [0, 1, 3]].tolist()
        assert link[:, 2] == pytest.approx(expected[:, 2], rel=1e-9)


def tied_distances(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "integers":  # few distinct values: ties everywhere
        d = rng.integers(1, 4, size=(n, n)).astype(float)
        d += d.T
    elif kind == "grid":  # repeated points (ties at 0) on a small grid
        d = euclidean(rng.integers(0, 4, size=(n, 2)).astype(float))
    else:  # equidistant groups: 1 within a group, 3 across
        group = rng.integers(0, 5, size=n)
        d = np.where(group[:, None] == group[None, :], 1.0, 3.0)
    np.fill_diagonal(d, 0.0)
    return d


@pytest.mark.parametrize("n", [5, 24, 140])
@pytest.mark.parametrize("kind", ["integers", "grid", "groups"])
@pytest.mark.parametrize("method", LINKAGES)
def test_linkage_with_ties_is_a_run_of_the_reference_implementation(method, kind, n):
    # With ties several dendrograms are correct; the fast linkage must be one of them: the
    # reference, resolving each tie as the fast linkage did, finds a closest pair at every
    # step and ends with the same matrix.
    for seed in range(3):
        distance = tied_distances(kind, n, np.random.default_rng(100 * n + seed))

        link = linkage(distance, method)
        replayed = reference_linkage(distance, method, follow=link)

        assert link[:, [0, 1, 3]].tolist() == replayed[:, [0, 1, 3]].tolist()
        assert link[:, 2] == pytest.approx(replayed[:, 2], rel=1e-9, abs=1e-12)
        assert np.all(np.diff(link[:, 2]) >= 0)
        assert linkage(distance, method).tolist() == link.tolist()  # deterministic
        if method == "single":
            # Single linkage heights are the minimum spanning tree's: unique despite ties.
            assert link[:, 2].tolist() == reference_linkage(distance, method)[:, 2].tolist()


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


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_linkage_refuses_non_finite_distances_instead_of_looping(bad):
    distances = LINE.copy()
    distances[0, 2] = distances[2, 0] = bad

    with pytest.raises(ValueError, match="finite distances"):
        linkage(distances, "single")


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


def reference_hrp(cov: np.ndarray, order: list[int]) -> np.ndarray:
    """Recursive bisection as written by López de Prado, one cluster at a time."""
    weights = np.ones(len(order))

    def cluster_variance(items: list[int]) -> float:
        sub = cov[np.ix_(items, items)]
        ivp = 1.0 / np.diag(sub)
        ivp /= ivp.sum()
        return float(ivp @ sub @ ivp)

    clusters = [order]
    while clusters:
        clusters = [half for c in clusters for half in (c[: len(c) // 2], c[len(c) // 2 :])]
        for left, right in zip(clusters[::2], clusters[1::2], strict=True):
            v_left, v_right = cluster_variance(left), cluster_variance(right)
            alpha = 1.0 - v_left / (v_left + v_right)
            weights[left] *= alpha
            weights[right] *= 1.0 - alpha
        clusters = [c for c in clusters if len(c) > 1]
    return weights / weights.sum()


def random_returns(seed: int, days: int, assets: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(days, 3))
    loadings = rng.normal(size=(3, assets))
    return 0.01 * (
        factors @ loadings + rng.normal(size=(days, assets)) * rng.uniform(0.5, 3, assets)
    )


@pytest.mark.parametrize("assets", [2, 3, 5, 8, 13, 31, 64])
@pytest.mark.parametrize("method", LINKAGES)
def test_hrp_matches_the_recursive_reference(method, assets):
    returns = random_returns(assets, 60, assets)
    cov = np.cov(returns, rowvar=False)
    order = leaves_order(linkage(correlation_distance(correlation_from_covariance(cov)), method))

    expected = reference_hrp(cov, order)

    assert hrp_from_covariance(cov, method) == pytest.approx(expected, rel=1e-9)
    assert hrp(returns, method) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("method", LINKAGES)
def test_hrp_from_returns_matches_hrp_from_the_sample_covariance(method):
    # Same clustering, bisection variances from the returns instead of the covariance.
    for seed, (days, assets) in enumerate([(252, 120), (40, 90), (2, 6)]):
        returns = random_returns(seed, days, assets)
        returns[:, 3] = returns[:, 2]  # a duplicate: a tie in the clustering
        returns[:, 5] = 0.0  # an asset without variance

        expected = hrp_from_covariance(np.cov(returns, rowvar=False), method)
        weights = hrp(returns, method)

        assert weights == pytest.approx(expected, rel=1e-9)
        assert allocate_values("HRP", returns, linkage_method=method) == pytest.approx(
            allocate("HRP", pd.DataFrame(returns), linkage_method=method).to_numpy()
        )


def test_the_sample_covariance_of_hrp_is_np_cov_bit_for_bit():
    # So that HRP clusters exactly as it did on np.cov (ties included).
    returns = random_returns(8, 120, 70)
    for layout in (returns, np.asfortranarray(returns), returns[::2, ::2]):
        centred, cov = _sample_covariance(layout)

        assert np.array_equal(cov, np.cov(layout, rowvar=False))
        assert np.array_equal(centred, layout - layout.mean(axis=0))


def test_correlation_distance_from_covariance_is_the_composition_bit_for_bit():
    rng = np.random.default_rng(3)
    returns = rng.normal(size=(50, 30)) * rng.uniform(1e-4, 1e-1, 30)
    returns[:, 1] = returns[:, 0]  # perfectly correlated
    returns[:, 2] = -returns[:, 0]  # perfectly anti-correlated
    returns[:, 3] = 0.0  # no variance
    cov = np.cov(returns, rowvar=False)

    fused = correlation_distance_from_covariance(cov)

    assert np.array_equal(fused, correlation_distance(correlation_from_covariance(cov)))


def test_window_returns_by_hand():
    rng = np.random.default_rng(5)
    prices = pd.DataFrame(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(40, 6)), axis=0)),
        index=pd.bdate_range("2024-01-01", periods=40),
        columns=["A", "B", "^VIX", "C", "D", "E"],
    )
    prices.iloc[30, 4] = np.nan  # D has a gap in the window
    prices.iloc[:12, 5] = np.nan  # E is listed late

    for tickers in [None, pd.Index(["E", "C", "A", "Z"])]:
        for lookback in [5, 20, 30, 39]:
            window = prices.iloc[-(lookback + 1) :]
            wanted = ["A", "B", "C", "D", "E"] if tickers is None else ["E", "C", "A"]
            kept = [t for t in wanted if window[t].notna().all()]
            closes = window[kept].to_numpy()
            expected = closes[1:] / closes[:-1] - 1.0

            values, columns = window_return_matrix(prices, lookback, tickers)
            frame = window_returns(prices, lookback, tickers)

            assert list(columns) == kept
            assert np.array_equal(values, expected)
            assert list(frame.columns) == kept
            assert np.array_equal(frame.to_numpy(), expected)
            assert list(frame.index) == list(window.index[1:])
    assert window_returns(prices, 40).shape == (39, 0)  # not enough closes
    assert window_return_matrix(prices, 40)[0].shape == (39, 0)


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
