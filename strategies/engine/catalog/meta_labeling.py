"""Meta-labeling: a momentum primary signal, filtered by a classifier of its past success.

Primary signal: long every asset whose :data:`PRIMARY_LOOKBACK`-day return is positive.
Secondary model (retrained every :data:`RETRAIN_EVERY` days): past primary-signal events
(every :data:`EVENT_STEP` days over the last :data:`TRAIN_WINDOW` days, all assets) are
labelled with the triple barrier (±1 sigma·√21 over :data:`HORIZON` days, see
:mod:`strategies.engine.labels`) — only events whose 21-day barrier ended by the decision
date, so no label peeks past it — and a bagged logistic regression of ``n_estimators``
models learns P(success) from five features: 5/21/63-day returns, 21-day volatility and
the distance to the 50-day average. Today's primary signals with P ≥ ``min_confidence`` are
ranked by P; the best :data:`TOP_N` are held, weighted by the allocation method. If there
are too few past events (or only one outcome) to train on, the primary signal is used
unfiltered.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.labels import triple_barrier_labels
from strategies.engine.logistic import BaggedLogistic, fit_bagged_logistic
from strategies.engine.parameters import FloatParam, IntParam, Param
from strategies.engine.returns import tradable_columns
from strategies.engine.rolling import rolling_mean, rolling_std
from strategies.engine.selection import allocate_selection

PARAMETERS: tuple[Param, ...] = (
    IntParam("n_estimators", 100, 1, 1000),
    FloatParam("min_confidence", 0.6, 0.0, 1.0),
)
PRIMARY_LOOKBACK = 63
HORIZON = 21
TRAIN_WINDOW = 504
EVENT_STEP = 5
MAX_EVENTS = 3000
MIN_EVENTS = 50
RETRAIN_EVERY = 63
TOP_N = 10
VOL_WINDOW = 21
SMA_WINDOW = 50
WARMUP = max(PRIMARY_LOOKBACK, SMA_WINDOW, VOL_WINDOW)

FloatArray = npt.NDArray[np.float64]


def features(log_prices: FloatArray) -> FloatArray:
    """T x N x 5 feature cube from log prices (NaN where the history is too short)."""
    t_len = log_prices.shape[0]

    def lag(k: int) -> FloatArray:
        out = np.full(log_prices.shape, np.nan)
        out[k:] = log_prices[k:] - log_prices[:-k]
        return out

    daily = lag(1)
    sma = rolling_mean(np.exp(log_prices), SMA_WINDOW)
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = log_prices - np.log(sma)
    cube = [lag(5), lag(21), lag(PRIMARY_LOOKBACK), rolling_std(daily, VOL_WINDOW), distance]
    return np.stack(cube, axis=2) if t_len else np.empty((0, *log_prices.shape[1:], 5))


def _train(
    cube: FloatArray, log_prices: FloatArray, n_estimators: int, seed: int
) -> BaggedLogistic | None:
    t_len = log_prices.shape[0]
    last_event = t_len - 1 - HORIZON
    first_event = max(WARMUP, last_event - TRAIN_WINDOW)
    event_rows = np.arange(last_event, first_event - 1, -EVENT_STEP)
    if event_rows.size == 0:
        return None
    sub = cube[event_rows]  # (E_rows, N, F)
    primary = sub[:, :, 2] > 0
    valid = primary & np.isfinite(sub).all(axis=2)
    row_idx, col_idx = np.nonzero(valid)
    rows = event_rows[row_idx].astype(np.intp)
    cols = col_idx.astype(np.intp)
    x = sub[row_idx, col_idx]
    labels = triple_barrier_labels(log_prices, rows, cols, x[:, 3], horizon=HORIZON)
    keep = np.isfinite(labels)
    x, labels = x[keep], labels[keep]
    if labels.size > MAX_EVENTS:
        chosen = np.random.default_rng(seed).choice(labels.size, MAX_EVENTS, replace=False)
        x, labels = x[chosen], labels[chosen]
    if labels.size < MIN_EVENTS or labels.min() == labels.max():
        return None
    return fit_bagged_logistic(x, labels, n_estimators=n_estimators, seed=seed)


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    p = context.params
    if len(prices) <= WARMUP + HORIZON + MIN_EVENTS // 10:
        return pd.Series(dtype=np.float64)
    tickers = tradable_columns(prices)
    window = prices[tickers].iloc[-(TRAIN_WINDOW + WARMUP + HORIZON + 1) :]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.log(window.where(window > 0).to_numpy(dtype=np.float64))
    state = context.state
    if "trained_at" not in state or len(prices) - state["trained_at"] >= RETRAIN_EVERY:
        cube = features(values)
        state["model"] = _train(cube, values, p["n_estimators"], seed=len(prices))
        state["trained_at"] = len(prices)
    else:
        cube = features(values[-(WARMUP + 1) :])  # only today's features are needed
    model: BaggedLogistic | None = state["model"]

    today = cube[-1]
    candidates = (today[:, 2] > 0) & np.isfinite(today).all(axis=1)
    if not candidates.any():
        return pd.Series(dtype=np.float64)
    if model is None:
        confidence = today[candidates, 2]  # unfiltered primary signal, ranked by momentum
    else:
        confidence = model.predict_proba(today[candidates])
        keep = confidence >= p["min_confidence"]
        candidates[np.flatnonzero(candidates)[~keep]] = False
        confidence = confidence[keep]
    ranked = pd.Series(confidence, index=tickers[candidates]).sort_values(
        ascending=False, kind="stable"
    )
    return allocate_selection(prices, ranked.index[:TOP_N], context)
