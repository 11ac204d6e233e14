"""The strategy catalogue (contract §2.3): name → weight function, parameters, schedule.

The Django layer lists :data:`CATALOG` in order, validates ``parameters`` with
:func:`resolve_parameters` and runs a backtest with :func:`run_strategy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strategies.engine.allocation import check_method
from strategies.engine.backtest import BacktestResult, run_backtest
from strategies.engine.catalog import (
    dual_momentum,
    hrp,
    inverse_volatility,
    meta_labeling,
    momentum,
    nco,
    olmar,
    quallamaggie,
    regime_detection,
    residual_momentum,
    short_vol,
    stat_arb,
)
from strategies.engine.context import WeightFunction
from strategies.engine.costs import DEFAULT_COSTS, CostModel
from strategies.engine.metrics import DEFAULT_RISK_FREE_RATE
from strategies.engine.parameters import Param, ParamValue, defaults, resolve

Check = Callable[[Mapping[str, Any]], None]


def _no_check(params: Mapping[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class StrategySpec:
    name: str
    category: str
    description: str
    parameters: tuple[Param, ...]
    weights: WeightFunction
    # Stateful and signal-driven strategies must look every day; allocators monthly.
    frequency: str = "monthly"
    check: Check = _no_check
    # Strategies that cannot run without these matrices.
    needs_ohlcv: bool = False

    @property
    def defaults(self) -> dict[str, ParamValue]:
        return defaults(self.parameters)


CATALOG: tuple[StrategySpec, ...] = (
    StrategySpec(
        "Momentum",
        "Quant 1.0",
        "12-month momentum with 1-month skip. Long top performers, avoid recent losers.",
        momentum.PARAMETERS,
        momentum.weights,
        check=momentum.check,
    ),
    StrategySpec(
        "Dual_Momentum",
        "Quant 1.0",
        "Combines absolute and relative momentum. Risk-on vs risk-off allocation.",
        dual_momentum.PARAMETERS,
        dual_momentum.weights,
    ),
    StrategySpec(
        "HRP",
        "Quant 1.0",
        "Hierarchical Risk Parity. Machine learning-based diversification.",
        hrp.PARAMETERS,
        hrp.weights,
    ),
    StrategySpec(
        "InverseVolatility",
        "Quant 1.0",
        "Weight inversely proportional to volatility. Lower vol = higher weight.",
        inverse_volatility.PARAMETERS,
        inverse_volatility.weights,
    ),
    StrategySpec(
        "Regime_Detection",
        "Quant 2.0",
        "HMM-based market regime detection. Bull/Bear/Sideways classification.",
        regime_detection.PARAMETERS,
        regime_detection.weights,
        frequency="weekly",
    ),
    StrategySpec(
        "Stat_Arb",
        "Quant 2.0",
        "Statistical arbitrage with Kalman filter dynamic hedge ratios.",
        stat_arb.PARAMETERS,
        stat_arb.weights,
        frequency="daily",
        check=stat_arb.check,
    ),
    StrategySpec(
        "Residual_Momentum",
        "Quant 2.0",
        "Fama-French residual momentum. Alpha after factor exposure.",
        residual_momentum.PARAMETERS,
        residual_momentum.weights,
    ),
    StrategySpec(
        "Meta_Labeling",
        "Quant 2.0",
        "ML filter for trade signals. Random Forest binary classifier.",
        meta_labeling.PARAMETERS,
        meta_labeling.weights,
    ),
    StrategySpec(
        "Short_Vol",
        "Quant 2.0",
        "Volatility risk premium harvesting. Short VIX in contango.",
        short_vol.PARAMETERS,
        short_vol.weights,
        frequency="daily",
    ),
    StrategySpec(
        "NCO",
        "Quant 2.0",
        "Nested Cluster Optimization. Hierarchical portfolio construction.",
        nco.PARAMETERS,
        nco.weights,
    ),
    StrategySpec(
        "OLMAR",
        "Mean Reversion",
        "Online Learning for Portfolio Selection. Mean reversion with moving average.",
        olmar.PARAMETERS,
        olmar.weights,
        frequency="daily",
    ),
    StrategySpec(
        "Quallamaggie",
        "Breakout",
        "High tight flag pattern scanner. Momentum breakout strategy.",
        quallamaggie.PARAMETERS,
        quallamaggie.weights,
        frequency="daily",
        needs_ohlcv=True,
    ),
)

STRATEGIES: dict[str, StrategySpec] = {spec.name: spec for spec in CATALOG}


class InsufficientDataError(ValueError):
    """The price data cannot support the requested backtest (a user-facing sentence)."""


def get_strategy(name: str) -> StrategySpec:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise KeyError(f"Strategy '{name}' not found. Available: {list(STRATEGIES)}") from None


def resolve_parameters(name: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Catalogue defaults updated with validated ``overrides`` (ValueError naming the key)."""
    spec = get_strategy(name)
    params = resolve(spec.parameters, overrides)
    spec.check(params)
    return params


def _check_coverage(prices: pd.DataFrame, start: pd.Timestamp | None) -> None:
    cutoff = prices.index[0] if start is None else start
    before = prices.loc[prices.index <= cutoff]
    priced = int(before.notna().any(axis=0).sum()) if len(before) else 0
    if priced == 0:
        raise InsufficientDataError(
            f"Insufficient price data: 0 of {prices.shape[1]} tickers have prices before "
            f"{cutoff.date().isoformat()}"
        )


def run_strategy(
    name: str,
    prices: pd.DataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    optimization_method: str = "HRP",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    initial_capital: float = 100_000.0,
    volumes: pd.DataFrame | None = None,
    highs: pd.DataFrame | None = None,
    lows: pd.DataFrame | None = None,
    reference: pd.DataFrame | None = None,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    costs: CostModel = DEFAULT_COSTS,
    frequency: str | None = None,
    execution_delay: int = 1,
    liquidity_cap: float | None = None,
    membership: pd.DataFrame | None = None,
) -> BacktestResult:
    """Backtest catalogue strategy ``name`` (see :func:`run_backtest` for the arguments).

    ``prices`` should include warm-up history before ``start`` (a year or two) so that the
    strategy can invest from the first day. Raises ``KeyError`` for an unknown strategy,
    ``ValueError`` for bad parameters or an unknown ``optimization_method``, and
    :class:`InsufficientDataError` when no ticker has a price on or before ``start``.
    ``membership`` (date x ticker booleans) limits each decision to the point-in-time members
    of the universe on its date.
    """
    spec = get_strategy(name)
    params = resolve_parameters(name, parameters)
    check_method(optimization_method)
    if spec.needs_ohlcv and (volumes is None or highs is None or lows is None):
        raise ValueError(f"{name} needs high, low and volume data")
    start_ts = None if start is None else pd.Timestamp(start)
    prices = prices.astype(np.float64)
    _check_coverage(prices, start_ts)
    return run_backtest(
        prices,
        spec.weights,
        frequency=frequency or spec.frequency,
        start=start_ts,
        end=end,
        initial_capital=initial_capital,
        execution_delay=execution_delay,
        costs=costs,
        volumes=volumes,
        highs=highs,
        lows=lows,
        reference=reference,
        liquidity_cap=liquidity_cap,
        risk_free_rate=risk_free_rate,
        params=params,
        optimization_method=optimization_method,
        membership=membership,
    )
