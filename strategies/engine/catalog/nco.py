"""Nested Clustered Optimisation (López de Prado, 2019), long-only.

On the last :data:`LOOKBACK` days (Ledoit-Wolf covariance):

1. Cluster the assets: Ward hierarchical clustering on correlation distance, cut into the
   number of clusters k ∈ [2, ``max_clusters``] with the best mean silhouette (the role
   k-means plus silhouette plays in the original). Clusters with fewer than
   ``min_cluster_size`` assets are merged into the cluster they are closest to on average,
   so that no weight hinges on a one-asset "cluster".
2. Intra-cluster: long-only minimum-variance weights inside each cluster.
3. Inter-cluster: each cluster becomes one synthetic asset (its intra-cluster portfolio);
   long-only minimum-variance weights across them on the reduced covariance WᵀΣW.

Final weight = intra-cluster weight x its cluster's weight. Optimising inside clusters
first keeps the noise of one block of the covariance matrix from leaking into the others.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.clustering import cut_tree, linkage, silhouette_score
from strategies.engine.context import DecisionContext
from strategies.engine.covariance import (
    correlation_distance,
    correlation_from_covariance,
    ledoit_wolf,
)
from strategies.engine.mean_variance import min_variance
from strategies.engine.parameters import IntParam, Param
from strategies.engine.returns import window_returns

PARAMETERS: tuple[Param, ...] = (
    IntParam("max_clusters", 10, 2, 100),
    IntParam("min_cluster_size", 3, 1, 100),
)
LOOKBACK = 252

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def _merge_small(labels: IntArray, distance: FloatArray, min_size: int) -> IntArray:
    labels = labels.copy()
    while True:
        ids, counts = np.unique(labels, return_counts=True)
        small = ids[counts < min_size]
        if small.size == 0 or ids.size == 1:
            break
        # Merge the smallest offender into the cluster at the least mean distance.
        victim = int(small[np.argmin(counts[np.isin(ids, small)])])
        members = labels == victim
        others = [int(i) for i in ids if i != victim]
        mean_distance = [float(distance[np.ix_(members, labels == o)].mean()) for o in others]
        labels[members] = others[int(np.argmin(mean_distance))]
    _, labels = np.unique(labels, return_inverse=True)
    return labels.astype(np.intp)


def cluster_assets(corr: FloatArray, max_clusters: int, min_cluster_size: int) -> IntArray:
    """Cluster labels 0..k-1 (see the module docstring)."""
    n = corr.shape[0]
    if n < 3:
        return np.zeros(n, dtype=np.intp)
    distance = correlation_distance(corr)
    link = linkage(distance, "ward")
    best_labels, best_score = np.zeros(n, dtype=np.intp), -np.inf
    for k in range(2, min(max_clusters, n - 1) + 1):
        labels = cut_tree(link, k)
        score = silhouette_score(distance, labels)
        if score > best_score:
            best_labels, best_score = labels, score
    return _merge_small(best_labels, distance, min_cluster_size)


def nco_weights(cov: FloatArray, max_clusters: int, min_cluster_size: int) -> FloatArray:
    labels = cluster_assets(correlation_from_covariance(cov), max_clusters, min_cluster_size)
    k = int(labels.max()) + 1
    intra = np.zeros((cov.shape[0], k))
    for c in range(k):
        members = np.flatnonzero(labels == c)
        intra[members, c] = min_variance(cov[np.ix_(members, members)])
    reduced = intra.T @ cov @ intra
    inter = min_variance(reduced)
    return np.asarray(intra @ inter, dtype=np.float64)


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    p = context.params
    returns = window_returns(prices, LOOKBACK)
    if returns.shape[1] == 0:
        return pd.Series(dtype=np.float64)
    cov = ledoit_wolf(returns.to_numpy(dtype=np.float64))
    w = nco_weights(cov, p["max_clusters"], p["min_cluster_size"])
    return pd.Series(w, index=returns.columns, dtype=np.float64)
