"""Statistical arbitrage on pairs: correlation clusters, Kalman hedge ratios, z-score bands.

Pair formation (every :data:`REFORM_EVERY` days, on the last :data:`FORMATION_WINDOW` days):
assets are clustered by correlation distance of their daily returns (average linkage, one
cluster per :data:`ASSETS_PER_CLUSTER` assets); within clusters, the most correlated pairs
(rho ≥ :data:`MIN_CORRELATION`) are taken greedily, each asset in one pair at most, up to
:data:`MAX_PAIRS`. Each pair gets a Kalman filter on log prices, burnt in over the formation
window.

Trading (every call): the filter processes the days since the previous call; the spread is
its prediction error e_t and z = (e_t - mean) / std over the last :data:`ZSCORE_WINDOW`
spreads. A flat pair goes short the spread when z > ``zscore_entry`` and long when
z < -``zscore_entry``; an open pair closes when |z| < ``zscore_exit``. Long the spread is
long y and short beta·x. Each new position gets a gross budget of 1/:data:`MAX_PAIRS`, split
1 : |beta| between the legs, so gross exposure never exceeds 1; an open position is then held
as it is until it closes. Pairs dropped at re-formation
are closed, and so is every pair with a leg that is no longer in the price matrix (it left the
universe): the pairs are formed again at once. The filter, spreads and positions live in
``context.state``; they only ever absorb days up to the decision date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from strategies.engine.clustering import cut_tree, linkage
from strategies.engine.context import DecisionContext
from strategies.engine.covariance import correlation_distance
from strategies.engine.kalman import HedgeFilter
from strategies.engine.parameters import FloatParam, Param
from strategies.engine.returns import window_returns

PARAMETERS: tuple[Param, ...] = (
    FloatParam("zscore_entry", 2.0, 0.0, 10.0, exclusive_minimum=True),
    FloatParam("zscore_exit", 0.5, 0.0, 10.0),
)
FORMATION_WINDOW = 252
REFORM_EVERY = 63
MAX_PAIRS = 10
MIN_CORRELATION = 0.5
ASSETS_PER_CLUSTER = 10
ZSCORE_WINDOW = 60


def check(params: Mapping[str, Any]) -> None:
    if params["zscore_exit"] >= params["zscore_entry"]:
        raise ValueError("Invalid parameter 'zscore_exit': must be smaller than 'zscore_entry'")


def form_pairs(returns: pd.DataFrame) -> list[tuple[str, str]]:
    """Most correlated pairs inside correlation clusters (see the module docstring)."""
    n = returns.shape[1]
    if n < 2:
        return []
    corr = np.corrcoef(returns.to_numpy(dtype=np.float64), rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    labels = cut_tree(
        linkage(correlation_distance(corr), "average"), max(1, -(-n // ASSETS_PER_CLUSTER))
    )
    same_cluster = labels[:, None] == labels[None, :]
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    candidates = np.argwhere(same_cluster & upper & (corr >= MIN_CORRELATION))
    order = np.argsort(-corr[candidates[:, 0], candidates[:, 1]], kind="stable")
    used: set[int] = set()
    pairs: list[tuple[str, str]] = []
    for i, j in candidates[order]:
        if i in used or j in used:
            continue
        used.update((int(i), int(j)))
        pairs.append((str(returns.columns[i]), str(returns.columns[j])))
        if len(pairs) == MAX_PAIRS:
            break
    return pairs


def _log_prices(prices: pd.DataFrame, columns: np.ndarray, rows: slice) -> np.ndarray:
    # Positional access on the float block: label lookups cost more than the filter itself
    # when this runs every day.
    values = prices.to_numpy(dtype=np.float64)[rows][:, columns]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.where(values > 0, values, np.nan))


def _columns(prices: pd.DataFrame, names: list[str]) -> np.ndarray:
    # By name at every call: the columns a strategy sees can change between calls.
    return prices.columns.get_indexer(pd.Index(names))


def _run_filter(state: dict[str, Any], prices: pd.DataFrame, rows: slice) -> None:
    pairs: list[tuple[str, str]] = state["pairs"]
    y = _log_prices(prices, _columns(prices, [p[0] for p in pairs]), rows)
    x = _log_prices(prices, _columns(prices, [p[1] for p in pairs]), rows)
    kalman: HedgeFilter = state["filter"]
    spreads: np.ndarray = state["spreads"]
    for t in range(y.shape[0]):
        error = kalman.update(y[t], x[t])
        spreads = np.concatenate([spreads[1:], error[None, :]], axis=0)
    state["spreads"] = spreads


def _form(state: dict[str, Any], prices: pd.DataFrame) -> None:
    returns = window_returns(prices, FORMATION_WINDOW)
    pairs = form_pairs(returns)
    # A pair that survives re-formation keeps its open position; the others are closed.
    previous = dict(zip(state.get("pairs", []), state.get("positions", []), strict=True))
    state["pairs"] = pairs
    state["formed_at"] = len(prices)
    state["filter"] = HedgeFilter.start(len(pairs))
    state["spreads"] = np.full((ZSCORE_WINDOW, len(pairs)), np.nan)
    state["positions"] = np.array([float(previous.get(pair, 0.0)) for pair in pairs])
    if pairs:
        _run_filter(state, prices, slice(-(FORMATION_WINDOW + 1), None))
    state["processed"] = len(prices)


def _lost_a_leg(pairs: list[tuple[str, str]], columns: pd.Index) -> bool:
    legs = pd.Index([name for pair in pairs for name in pair])
    return bool((~legs.isin(columns)).any())


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    p = context.params
    state = context.state
    if len(prices) <= FORMATION_WINDOW:
        return pd.Series(dtype=np.float64)
    if (
        "pairs" not in state
        or len(prices) - state["formed_at"] >= REFORM_EVERY
        or _lost_a_leg(state["pairs"], prices.columns)
    ):
        _form(state, prices)
    elif len(prices) > state["processed"]:
        _run_filter(state, prices, slice(state["processed"], len(prices)))
        state["processed"] = len(prices)
    pairs: list[tuple[str, str]] = state["pairs"]
    if not pairs:
        return pd.Series(dtype=np.float64)

    spreads: np.ndarray = state["spreads"]
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(spreads, axis=0)
        std = np.nanstd(spreads, axis=0, ddof=1)
    counts = np.isfinite(spreads).sum(axis=0)
    z = np.where((counts >= ZSCORE_WINDOW // 2) & (std > 0), (spreads[-1] - mean) / std, np.nan)
    previous: np.ndarray = state["positions"]
    positions = previous.copy()
    flat = positions == 0
    positions[flat & (z > p["zscore_entry"])] = -1.0
    positions[flat & (z < -p["zscore_entry"])] = 1.0
    positions[~flat & (np.abs(z) < p["zscore_exit"])] = 0.0
    state["positions"] = positions
    state["zscores"] = z

    beta = state["filter"].hedge_ratio
    budget = 1.0 / MAX_PAIRS
    result: dict[str, float] = {}
    for k, (y_name, x_name) in enumerate(pairs):
        if positions[k] == 0:
            continue
        if positions[k] == previous[k]:
            # An open trade keeps its legs (NaN = hold) instead of re-hedging every day.
            result[y_name] = result[x_name] = np.nan
            continue
        scale = budget / (1.0 + abs(beta[k]))
        result[y_name] = positions[k] * scale
        result[x_name] = -positions[k] * beta[k] * scale
    return pd.Series(result, dtype=np.float64)
