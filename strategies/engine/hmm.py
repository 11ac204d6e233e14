"""Gaussian hidden Markov model with diagonal covariances, fitted by EM (Baum-Welch).

The forward-backward recursions are scaled (each step normalised, the log-likelihood is the
sum of the log normalisers) so long series do not underflow. Time steps are a Python loop
over tiny K-vectors; everything else is vectorised. Variances are floored at a fraction of
the feature's overall variance so that a state cannot collapse onto a single observation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_VARIANCE_FLOOR = 1e-3
_STAY_PROBABILITY = 0.95


@dataclass(frozen=True)
class GaussianHMM:
    start: FloatArray  # (K,)
    transition: FloatArray  # (K, K), rows sum to 1
    means: FloatArray  # (K, D)
    variances: FloatArray  # (K, D)

    @property
    def n_states(self) -> int:
        return int(self.start.size)


def _log_emissions(x: FloatArray, model: GaussianHMM) -> FloatArray:
    diff = x[:, None, :] - model.means[None, :, :]
    var = model.variances[None, :, :]
    return np.asarray(
        -0.5 * (np.log(2.0 * math.pi * var) + diff**2 / var).sum(axis=2), dtype=np.float64
    )


def _forward(emissions: FloatArray, model: GaussianHMM) -> tuple[FloatArray, FloatArray, float]:
    """Scaled forward pass: filtered P(state_t | x_1..t), scale factors, log-likelihood."""
    shift = emissions.max(axis=1, keepdims=True)
    b = np.exp(emissions - shift)
    t_len, k = b.shape
    # With 2-3 states, plain Python floats beat numpy's per-call overhead in this loop.
    a = model.transition.tolist()
    rows = b.tolist()
    states = range(k)
    alpha = [[0.0] * k for _ in range(t_len)]
    scale = [0.0] * t_len
    current = [float(model.start[j]) * rows[0][j] for j in states]
    for t in range(t_len):
        if t:
            row = rows[t]
            current = [sum(current[i] * a[i][j] for i in states) * row[j] for j in states]
        total = sum(current)
        if total <= 0:  # every state gives ~0 density: restart from a uniform belief
            current = [1.0 / k] * k
            total = 1.0
        current = [c / total for c in current]
        alpha[t] = current
        scale[t] = total
    scales = np.array(scale)
    loglik = float(np.log(scales).sum() + shift.sum())
    return np.array(alpha), scales, loglik


def filtered_probabilities(x: FloatArray, model: GaussianHMM) -> FloatArray:
    """P(state_t | x_1..t) for each t: uses no observation after t."""
    alpha, _, _ = _forward(_log_emissions(x, model), model)
    return alpha


def _backward(b: FloatArray, scale: FloatArray, transition: FloatArray) -> FloatArray:
    """Scaled backward pass matching :func:`_forward`'s scale factors."""
    t_len, k = b.shape
    a = transition.tolist()
    rows = b.tolist()
    scales = scale.tolist()
    states = range(k)
    beta = [[1.0] * k for _ in range(t_len)]
    nxt = beta[-1]
    for t in range(t_len - 2, -1, -1):
        row = rows[t + 1]
        weighted = [row[j] * nxt[j] for j in states]
        c = scales[t + 1]
        nxt = [sum(a[i][j] * weighted[j] for j in states) / c for i in states]
        beta[t] = nxt
    return np.array(beta)


def _initial_model(x: FloatArray, n_states: int, order_feature: int) -> GaussianHMM:
    # States start as quantile groups of one feature (volatility for regimes), which gives
    # EM a deterministic, well-separated starting point.
    groups = np.array_split(np.argsort(x[:, order_feature], kind="stable"), n_states)
    overall = x.var(axis=0) + 1e-12
    means = np.array([x[g].mean(axis=0) for g in groups])
    variances = np.array([np.maximum(x[g].var(axis=0), overall * _VARIANCE_FLOOR) for g in groups])
    off = (1.0 - _STAY_PROBABILITY) / max(n_states - 1, 1)
    transition = np.full((n_states, n_states), off)
    np.fill_diagonal(transition, _STAY_PROBABILITY if n_states > 1 else 1.0)
    return GaussianHMM(np.full(n_states, 1.0 / n_states), transition, means, variances)


def fit_hmm(
    x: FloatArray,
    n_states: int,
    *,
    initial: GaussianHMM | None = None,
    order_feature: int = -1,
    max_iter: int = 100,
    tol: float = 1e-4,
) -> tuple[GaussianHMM, float]:
    """EM fit of a K-state diagonal Gaussian HMM to ``x`` (T x D). Returns (model, loglik).

    ``initial`` warm-starts EM (e.g. the previous fit on an overlapping window).
    """
    if x.ndim != 2 or x.shape[0] < 2 * n_states:
        raise ValueError("not enough observations to fit the HMM")
    model = initial if initial is not None else _initial_model(x, n_states, order_feature)
    floor = (x.var(axis=0) + 1e-12) * _VARIANCE_FLOOR
    previous = -math.inf
    loglik = -math.inf
    for _ in range(max_iter):
        emissions = _log_emissions(x, model)
        alpha, scale, loglik = _forward(emissions, model)
        b = np.exp(emissions - emissions.max(axis=1, keepdims=True))
        beta = _backward(b, scale, model.transition)
        a = model.transition
        gamma = alpha * beta
        gamma /= gamma.sum(axis=1, keepdims=True)
        # Σ_t ξ_t(i, j) = A_ij · Σ_t alpha_t(i) b_{t+1}(j) β_{t+1}(j) / c_{t+1}
        weighted = b[1:] * beta[1:] / scale[1:, None]
        xi = a * (alpha[:-1].T @ weighted)
        occupancy = gamma.sum(axis=0) + 1e-12
        transition = xi / np.maximum(xi.sum(axis=1, keepdims=True), 1e-300)
        means = gamma.T @ x / occupancy[:, None]
        variances = np.maximum(gamma.T @ x**2 / occupancy[:, None] - means**2, floor)
        model = GaussianHMM(gamma[0] / gamma[0].sum(), transition, means, variances)
        if abs(loglik - previous) < tol * max(1.0, abs(loglik)):
            break
        previous = loglik
    return model, loglik
