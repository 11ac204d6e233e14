"""Market regime classification: a Gaussian HMM on daily returns and realised volatility.

Features per day: the log return of the market and its 21-day realised volatility, each
standardised over the window. States are named by their mean volatility: the calmest is
``BULL``, the most volatile ``BEAR`` and, with three states, the middle one ``CHOP``
(reported as "sideways"). The current regime is the state with the highest filtered
probability on the last day, which uses no later observation.

:func:`volatility_regime` is the fallback of contract §3.2: 21-day annualised volatility of
the benchmark below 0.12 → BULL, below 0.20 → CHOP, otherwise BEAR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.hmm import GaussianHMM, filtered_probabilities, fit_hmm

FloatArray = npt.NDArray[np.float64]

VOL_WINDOW = 21
_LABELS = {2: ("BULL", "BEAR"), 3: ("BULL", "CHOP", "BEAR")}
_PROBABILITY_KEYS = {"BULL": "bull", "BEAR": "bear", "CHOP": "sideways"}


@dataclass(frozen=True)
class RegimeEstimate:
    current: str  # BULL, CHOP or BEAR
    probabilities: dict[str, float]  # {bull, bear, sideways}
    method: str
    as_of: pd.Timestamp

    def as_dict(self) -> dict[str, object]:
        return {
            "current": self.current,
            "probabilities": dict(self.probabilities),
            "method": self.method,
            "as_of": self.as_of.date().isoformat(),
        }


def regime_features(market: pd.Series) -> tuple[pd.DatetimeIndex, FloatArray]:
    """(dates, T x 2 standardised [log return, 21-day volatility]) for complete days."""
    log_prices = pd.Series(np.log(market.to_numpy(dtype=np.float64)), index=market.index)
    log_returns = log_prices.diff()
    vol = log_returns.rolling(VOL_WINDOW, min_periods=VOL_WINDOW).std() * math.sqrt(252)
    frame = pd.DataFrame({"ret": log_returns, "vol": vol}).dropna()
    values = frame.to_numpy(dtype=np.float64)
    if len(values) == 0:
        return pd.DatetimeIndex(frame.index), values
    std = values.std(axis=0)
    values = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return pd.DatetimeIndex(frame.index), values


def _one_hot(label: str) -> dict[str, float]:
    return {key: 1.0 if name == label else 0.0 for name, key in _PROBABILITY_KEYS.items()}


def classify(
    market: pd.Series,
    *,
    n_states: int = 3,
    model: GaussianHMM | None = None,
    refit: bool = True,
) -> tuple[RegimeEstimate, GaussianHMM] | None:
    """Regime of the last day of ``market`` (a price series); None with too little data.

    With ``refit`` the HMM is fitted by EM (warm-started from ``model`` when given);
    otherwise ``model`` is only used to filter the new observations.
    """
    if n_states not in _LABELS:
        raise ValueError("n_states must be 2 or 3")
    dates, x = regime_features(market.dropna())
    if len(x) < 10 * n_states:
        return None
    if refit or model is None:
        model, _ = fit_hmm(x, n_states, initial=model, max_iter=100 if model is None else 25)
    filtered = filtered_probabilities(x, model)[-1]
    # Standardised volatility is feature 1: order states from calm to turbulent.
    order = np.argsort(model.means[:, 1], kind="stable")
    probabilities = dict.fromkeys(_PROBABILITY_KEYS.values(), 0.0)
    for rank, state in enumerate(order):
        probabilities[_PROBABILITY_KEYS[_LABELS[n_states][rank]]] = float(filtered[state])
    current = _LABELS[n_states][int(np.flatnonzero(order == int(np.argmax(filtered)))[0])]
    return RegimeEstimate(current, probabilities, "HMM", pd.Timestamp(dates[-1])), model


def detect_regime(
    market: pd.Series, *, n_states: int = 3, lookback: int = 504
) -> RegimeEstimate | None:
    """HMM regime of the last day, fitted on the last ``lookback`` days of ``market``."""
    result = classify(market.dropna().iloc[-(lookback + VOL_WINDOW + 1) :], n_states=n_states)
    return None if result is None else result[0]


def volatility_regime(market: pd.Series) -> RegimeEstimate | None:
    """Contract fallback: 21-day annualised volatility thresholds 0.12 / 0.20."""
    clean = market.dropna().astype(np.float64)
    if len(clean) < VOL_WINDOW + 1:
        return None
    returns = clean.pct_change().iloc[-VOL_WINDOW:]
    vol = float(returns.std(ddof=1)) * math.sqrt(252)
    label = "BULL" if vol < 0.12 else "CHOP" if vol < 0.20 else "BEAR"
    return RegimeEstimate(
        label, _one_hot(label), "VOLATILITY_FALLBACK", pd.Timestamp(clean.index[-1])
    )
