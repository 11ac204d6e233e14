"""Reads of the trade journal: lists, single trades, portfolio and per-ticker statistics.

Async, on Django's async ORM, because the views are async. The figures themselves come
from the pure functions in :mod:`trades.metrics`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, OrderBy, QuerySet, Sum
from django.utils import timezone

from trades.errors import TradeNotFound
from trades.metrics import equity_curve, mean_holding_days, risk_metrics, trade_statistics
from trades.models import Trade, TradeStatus

SORTABLE_FIELDS = (
    "id",
    "trade_id",
    "ticker",
    "direction",
    "quantity",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "pnl",
    "pnl_percent",
    "status",
    "strategy_name",
    "commission",
    "created_at",
    "updated_at",
)
RECENT_TRADES = 10
_MAX_PK = 2**63 - 1  # BIGINT; a larger id cannot exist (and would overflow the query)


@dataclass(frozen=True)
class TradeFilters:
    ticker: str | None = None
    status: str | None = None
    strategy: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


@dataclass(frozen=True)
class TradePage:
    trades: list[Trade]
    total: int
    page: int
    page_size: int
    total_pages: int


@dataclass(frozen=True)
class PortfolioMetrics:
    total_value: Decimal
    cash_balance: Decimal
    invested_value: Decimal
    daily_return: float | None
    total_return: float
    volatility: float | None
    sharpe_ratio: float | None
    max_drawdown: float | None
    total_trades: int
    winning_trades: int
    losing_trades: int
    win_rate: float | None
    total_pnl: Decimal
    avg_pnl_per_trade: Decimal | None
    best_trade: Decimal | None
    worst_trade: Decimal | None


@dataclass(frozen=True)
class DashboardSummary:
    portfolio: PortfolioMetrics
    recent_trades: list[Trade]
    open_positions: list[Trade]
    today_pnl: Decimal
    week_pnl: Decimal
    month_pnl: Decimal
    last_updated: datetime


@dataclass(frozen=True)
class TickerStatistics:
    ticker: str
    total_trades: int
    total_pnl: Decimal
    avg_pnl: Decimal | None
    win_rate: float | None
    avg_holding_days: float | None


def filter_trades(*, filters: TradeFilters) -> QuerySet[Trade]:
    queryset = Trade.objects.all()
    if filters.ticker:
        queryset = queryset.filter(ticker=filters.ticker)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.strategy:
        queryset = queryset.filter(strategy_name__iexact=filters.strategy)
    if filters.start_date is not None:
        queryset = queryset.filter(entry_date__gte=filters.start_date)
    if filters.end_date is not None:
        queryset = queryset.filter(entry_date__lte=filters.end_date)
    return queryset


def order_trades(queryset: QuerySet[Trade], *, sort_by: str, descending: bool) -> QuerySet[Trade]:
    """Order by one column with nulls last in both directions, ties broken by id."""
    if sort_by not in SORTABLE_FIELDS:
        raise ValueError(f"Cannot sort trades by {sort_by!r}")
    column: OrderBy = (
        F(sort_by).desc(nulls_last=True) if descending else F(sort_by).asc(nulls_last=True)
    )
    return queryset.order_by(column, "-id" if descending else "id")


async def trade_page(
    *,
    filters: TradeFilters,
    sort_by: str = "entry_date",
    sort_desc: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> TradePage:
    """One page of trades; ``total`` counts all matches, a page past the end is empty."""
    queryset = filter_trades(filters=filters)
    total = await queryset.acount()
    offset = (page - 1) * page_size
    trades: list[Trade] = []
    if offset < total:
        ordered = order_trades(queryset, sort_by=sort_by, descending=sort_desc)
        trades = [trade async for trade in ordered[offset : offset + page_size]]
    return TradePage(
        trades=trades,
        total=total,
        page=page,
        page_size=page_size,
        total_pages=max(1, math.ceil(total / page_size)),
    )


async def get_trade(*, pk: int) -> Trade:
    if not 0 < pk <= _MAX_PK:
        raise TradeNotFound(pk)
    try:
        return await Trade.objects.aget(pk=pk)
    except Trade.DoesNotExist:
        raise TradeNotFound(pk) from None


async def portfolio_metrics(
    *, initial_capital: Decimal, now: datetime | None = None
) -> PortfolioMetrics:
    """Portfolio value, realised-P&L statistics and equity-curve risk (contract §3.4).

    total_value = capital + realised pnl; invested_value = sum(entry * qty) of OPEN trades;
    cash_balance = total_value - invested_value; total_return = pnl / capital * 100.
    Statistics use CLOSED trades that have a pnl; ``total_trades`` counts every row.
    The equity curve uses those of them that have an exit date.
    """
    now = now or timezone.now()
    total_trades = await Trade.objects.acount()
    closed: list[tuple[datetime | None, Decimal]] = [
        (exit_date, pnl)
        async for exit_date, pnl in Trade.objects.filter(
            status=TradeStatus.CLOSED, pnl__isnull=False
        ).values_list("exit_date", "pnl")
        if pnl is not None
    ]
    open_positions = [
        row
        async for row in Trade.objects.filter(status=TradeStatus.OPEN).values_list(
            "entry_price", "quantity"
        )
    ]
    stats = trade_statistics([pnl for _, pnl in closed])
    invested = sum((price * quantity for price, quantity in open_positions), Decimal(0))
    total_value = initial_capital + stats.total_pnl
    curve = equity_curve(
        initial_capital=float(initial_capital),
        exits=[
            (exit_date.astimezone(UTC).date(), float(pnl)) for exit_date, pnl in closed if exit_date
        ],
        today=now.astimezone(UTC).date(),
    )
    risk = risk_metrics(equity=curve, risk_free_rate=settings.PARAKEET_RISK_FREE_RATE)
    return PortfolioMetrics(
        total_value=total_value,
        cash_balance=total_value - invested,
        invested_value=invested,
        daily_return=risk.daily_return,
        total_return=float(stats.total_pnl / initial_capital * 100),
        volatility=risk.volatility,
        sharpe_ratio=risk.sharpe_ratio,
        max_drawdown=risk.max_drawdown,
        total_trades=total_trades,
        winning_trades=stats.winning_trades,
        losing_trades=stats.losing_trades,
        win_rate=stats.win_rate,
        total_pnl=stats.total_pnl,
        avg_pnl_per_trade=stats.avg_pnl_per_trade,
        best_trade=stats.best_trade,
        worst_trade=stats.worst_trade,
    )


async def _realised_pnl_between(start: datetime, end: datetime) -> Decimal:
    result = await Trade.objects.filter(
        status=TradeStatus.CLOSED, exit_date__gte=start, exit_date__lte=end
    ).aaggregate(total=Sum("pnl"))
    return result["total"] or Decimal(0)


async def dashboard_summary(
    *, initial_capital: Decimal, now: datetime | None = None
) -> DashboardSummary:
    """Portfolio metrics, the 10 latest trades, open positions and period P&L.

    Periods are UTC: today from 00:00, the week from Monday 00:00, the month from the 1st.
    """
    now = (now or timezone.now()).astimezone(UTC)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - timedelta(days=day_start.weekday())
    month_start = day_start.replace(day=1)
    recent = Trade.objects.order_by("-entry_date", "-id")[:RECENT_TRADES]
    open_trades = Trade.objects.filter(status=TradeStatus.OPEN).order_by("-entry_date", "-id")
    return DashboardSummary(
        portfolio=await portfolio_metrics(initial_capital=initial_capital, now=now),
        recent_trades=[trade async for trade in recent],
        open_positions=[trade async for trade in open_trades],
        today_pnl=await _realised_pnl_between(day_start, now),
        week_pnl=await _realised_pnl_between(week_start, now),
        month_pnl=await _realised_pnl_between(month_start, now),
        last_updated=now,
    )


async def ticker_statistics() -> list[TickerStatistics]:
    """Per-ticker figures over CLOSED trades, ordered by ticker.

    total_trades counts the closed trades; total_pnl, avg_pnl and win_rate (in %) use those
    with a pnl; avg_holding_days is the mean of exit - entry over those with an exit date.
    """
    pnls: dict[str, list[Decimal]] = defaultdict(list)
    holding: dict[str, list[timedelta]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    rows = Trade.objects.filter(status=TradeStatus.CLOSED).values_list(
        "ticker", "pnl", "entry_date", "exit_date"
    )
    async for ticker, pnl, entry_date, exit_date in rows:
        counts[ticker] += 1
        if pnl is not None:
            pnls[ticker].append(pnl)
        if exit_date is not None:
            holding[ticker].append(exit_date - entry_date)
    result: list[TickerStatistics] = []
    for ticker in sorted(counts):
        stats = trade_statistics(pnls[ticker])
        result.append(
            TickerStatistics(
                ticker=ticker,
                total_trades=counts[ticker],
                total_pnl=stats.total_pnl,
                avg_pnl=stats.avg_pnl_per_trade,
                win_rate=stats.win_rate,
                avg_holding_days=mean_holding_days(holding[ticker]),
            )
        )
    return result
