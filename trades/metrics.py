"""Portfolio formulas of contract §3.4 as pure functions (no Django, no pandas).

The trades Lambda ships without pandas, so the equity curve and its risk figures are plain
float arithmetic; money totals stay ``Decimal`` and are converted by the caller.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

TRADING_DAYS_PER_YEAR = 252


@dataclass(frozen=True)
class RiskMetrics:
    daily_return: float | None
    volatility: float | None
    sharpe_ratio: float | None
    max_drawdown: float | None


@dataclass(frozen=True)
class TradeStatistics:
    closed_trades: int
    winning_trades: int
    losing_trades: int
    win_rate: float | None
    total_pnl: Decimal
    avg_pnl_per_trade: Decimal | None
    best_trade: Decimal | None
    worst_trade: Decimal | None


def trade_statistics(pnls: Sequence[Decimal]) -> TradeStatistics:
    """Win/loss statistics over the realised P&L of closed trades (see :func:`summarise`)."""
    return summarise(
        closed=len(pnls),
        wins=sum(1 for p in pnls if p > 0),
        losses=sum(1 for p in pnls if p < 0),
        total_pnl=sum(pnls, Decimal(0)),
        best=max(pnls) if pnls else None,
        worst=min(pnls) if pnls else None,
    )


def summarise(
    *,
    closed: int,
    wins: int,
    losses: int,
    total_pnl: Decimal,
    best: Decimal | None,
    worst: Decimal | None,
) -> TradeStatistics:
    """The statistics from totals a database aggregate (or :func:`trade_statistics`) gives.

    A trade wins when pnl > 0 and loses when pnl < 0; a zero P&L is neither.
    win_rate = wins / closed * 100 and avg_pnl_per_trade = total / closed. With no closed
    trades, win_rate, the average, the best and the worst are None (not 0): there is
    nothing to average.
    """
    return TradeStatistics(
        closed_trades=closed,
        winning_trades=wins,
        losing_trades=losses,
        win_rate=wins / closed * 100 if closed else None,
        total_pnl=total_pnl,
        avg_pnl_per_trade=total_pnl / closed if closed else None,
        best_trade=best if closed else None,
        worst_trade=worst if closed else None,
    )


def weekdays(start: date, end: date) -> list[date]:
    """Monday-to-Friday dates from start to end, both inclusive."""
    days: list[date] = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def equity_curve(
    *, initial_capital: float, exits: Iterable[tuple[date, float]], today: date
) -> list[float]:
    """E_d = initial_capital + sum of the pnl of trades that exited on or before day d.

    d runs over the UTC weekdays from the first exit date to ``today``; exits on a weekend
    first show up on the following Monday. No exits (or a first exit after today) gives [].
    """
    ordered = sorted(exits)
    if not ordered:
        return []
    curve: list[float] = []
    realised = 0.0
    position = 0
    for day in weekdays(ordered[0][0], today):
        while position < len(ordered) and ordered[position][0] <= day:
            realised += ordered[position][1]
            position += 1
        curve.append(initial_capital + realised)
    return curve


def daily_returns(equity: Sequence[float]) -> list[float]:
    """r_i = E_i / E_(i-1) - 1; a non-positive previous value gives NaN (rendered as null)."""
    return [
        current / previous - 1 if previous > 0 else math.nan
        for previous, current in itertools.pairwise(equity)
    ]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def sample_std(values: Sequence[float]) -> float:
    """Standard deviation with Bessel's correction (ddof=1), as pandas' ``Series.std``."""
    mean = _mean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def max_drawdown(equity: Sequence[float]) -> float:
    """min over d of (E_d / max(E_0..E_d) - 1) * 100; 0 for a curve that never falls."""
    peak = -math.inf
    worst = 0.0
    for value in equity:
        peak = max(peak, value)
        if peak > 0:
            worst = min(worst, value / peak - 1)
    return worst * 100


def risk_metrics(*, equity: Sequence[float], risk_free_rate: float) -> RiskMetrics:
    """Risk figures of an equity curve sampled once per weekday.

    With r the daily returns of ``equity``:
      daily_return = r[-1] * 100                                   (needs >= 1 return)
      volatility   = std(r) * sqrt(252) * 100                      (needs >= 2 returns)
      sharpe_ratio = (mean(r) * 252 - rf) / (std(r) * sqrt(252))   (needs >= 2, std > 0)
      max_drawdown = min(E / cummax(E) - 1) * 100, always <= 0     (needs >= 2 returns)
    std is the sample standard deviation (ddof=1); rf is the annual risk-free rate
    (``settings.PARAKEET_RISK_FREE_RATE``, e.g. 0.04). Missing figures are None.
    """
    returns = daily_returns(equity)
    daily = returns[-1] * 100 if returns else None
    if len(returns) < 2:
        return RiskMetrics(
            daily_return=daily, volatility=None, sharpe_ratio=None, max_drawdown=None
        )
    std = sample_std(returns)
    annual_std = std * math.sqrt(TRADING_DAYS_PER_YEAR)
    sharpe = (
        (_mean(returns) * TRADING_DAYS_PER_YEAR - risk_free_rate) / annual_std
        if annual_std > 0
        else None
    )
    return RiskMetrics(
        daily_return=daily,
        volatility=annual_std * 100,
        sharpe_ratio=sharpe,
        max_drawdown=max_drawdown(equity),
    )


def mean_holding_days(durations: Sequence[timedelta]) -> float | None:
    """Mean of exit - entry in (fractional) days, rounded to 2 dp; None without any."""
    return average_holding_days(total=sum(durations, timedelta()), count=len(durations))


def average_holding_days(*, total: timedelta | None, count: int) -> float | None:
    """The mean holding period from a database total: total / count in days, rounded to 2 dp.

    ``total`` is the summed exit - entry of ``count`` trades (a SQL SUM gives None over no
    rows); without any, the mean is None.
    """
    if not count or total is None:
        return None
    return round(total.total_seconds() / count / 86_400, 2)
