"""Reads of the trade journal: lists, single trades, portfolio and per-ticker statistics.

Async, on Django's async ORM, because the views are async. The figures themselves come
from the pure functions in :mod:`trades.metrics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    Min,
    OrderBy,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from trades.aggregates import Elapsed, UtcDate, summed_money
from trades.errors import TradeNotFound
from trades.metrics import (
    average_holding_days,
    equity_curve,
    risk_metrics,
    summarise,
)
from trades.models import MONEY_PLACES, PNL_DIGITS, Trade, TradeStatus

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
# The columns of a TradeResponse (contract §2.1), in the order of its keys.
TRADE_RESPONSE_FIELDS = (
    "ticker",
    "asset_name",
    "asset_class",
    "direction",
    "quantity",
    "entry_price",
    "commission",
    "currency",
    "strategy_name",
    "signal_score",
    "notes",
    "id",
    "trade_id",
    "entry_date",
    "exit_price",
    "exit_date",
    "pnl",
    "pnl_percent",
    "status",
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
    # One dict per OPEN trade with the TRADE_RESPONSE_FIELDS columns (no model instances).
    open_positions: list[dict[str, Any]]
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


def _realised() -> Q:
    """Trades whose P&L counts: CLOSED with a pnl (legacy rows may lack one)."""
    return Q(status=TradeStatus.CLOSED, pnl__isnull=False)


async def portfolio_metrics(
    *, initial_capital: Decimal, now: datetime | None = None
) -> PortfolioMetrics:
    """Portfolio value, realised-P&L statistics and equity-curve risk (contract §3.4).

    total_value = capital + realised pnl; invested_value = sum(entry * qty) of OPEN trades
    (rounded to 4 dp, like every stored money amount); cash_balance = total_value -
    invested_value; total_return = pnl / capital * 100. Statistics use CLOSED trades that
    have a pnl; ``total_trades`` counts every row. The equity curve uses those of them that
    have an exit date.

    The database does the summing: one aggregate query for the totals and one that sums
    the realised pnl per UTC exit day (a few hundred rows for years of trading), so the cost
    does not grow with the number of trades held in Python. Every money sum is read back
    through :func:`summed_money`, so SQLite's floating-point SUM gives the exact figures
    PostgreSQL does.
    """
    now = now or timezone.now()
    realised = _realised()
    totals = await Trade.objects.aaggregate(
        total_trades=Count("id"),
        closed=Count("id", filter=realised),
        wins=Count("id", filter=realised & Q(pnl__gt=0)),
        losses=Count("id", filter=realised & Q(pnl__lt=0)),
        total_pnl=Sum("pnl", filter=realised),
        best=Max("pnl", filter=realised),
        worst=Min("pnl", filter=realised),
        invested=Sum(
            F("entry_price") * F("quantity"),
            filter=Q(status=TradeStatus.OPEN),
            output_field=DecimalField(max_digits=PNL_DIGITS, decimal_places=MONEY_PLACES),
        ),
    )
    stats = summarise(
        closed=totals["closed"],
        wins=totals["wins"],
        losses=totals["losses"],
        total_pnl=summed_money(totals["total_pnl"]),
        best=totals["best"],
        worst=totals["worst"],
    )
    invested = summed_money(totals["invested"])
    total_value = initial_capital + stats.total_pnl
    daily_pnl = (
        Trade.objects.filter(realised, exit_date__isnull=False)
        .annotate(day=UtcDate("exit_date"))
        .values("day")
        .annotate(pnl=Sum("pnl"))
        .values_list("day", "pnl")
        .order_by("day")
    )
    curve = equity_curve(
        initial_capital=float(initial_capital),
        exits=[(day, float(summed_money(pnl))) async for day, pnl in daily_pnl],
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
        total_trades=totals["total_trades"],
        winning_trades=stats.winning_trades,
        losing_trades=stats.losing_trades,
        win_rate=stats.win_rate,
        total_pnl=stats.total_pnl,
        avg_pnl_per_trade=stats.avg_pnl_per_trade,
        best_trade=stats.best_trade,
        worst_trade=stats.worst_trade,
    )


async def dashboard_summary(
    *, initial_capital: Decimal, now: datetime | None = None
) -> DashboardSummary:
    """Portfolio metrics, the 10 latest trades, open positions and period P&L.

    Periods are UTC: today from 00:00, the week from Monday 00:00, the month from the 1st;
    each sums the pnl of CLOSED trades that exited between its start and ``now`` (one
    aggregate query for the three, each sum rounded back to 4 dp by
    :func:`summed_money`). Open positions are read as rows of the TradeResponse columns,
    without building model instances.
    """
    now = (now or timezone.now()).astimezone(UTC)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - timedelta(days=day_start.weekday())
    month_start = day_start.replace(day=1)
    periods = await Trade.objects.filter(
        status=TradeStatus.CLOSED,
        exit_date__gte=min(week_start, month_start),
        exit_date__lte=now,
    ).aaggregate(
        today=Sum("pnl", filter=Q(exit_date__gte=day_start)),
        week=Sum("pnl", filter=Q(exit_date__gte=week_start)),
        month=Sum("pnl", filter=Q(exit_date__gte=month_start)),
    )
    recent = Trade.objects.order_by("-entry_date", "-id")[:RECENT_TRADES]
    open_rows = (
        Trade.objects.filter(status=TradeStatus.OPEN)
        .order_by("-entry_date", "-id")
        .values(*TRADE_RESPONSE_FIELDS)
    )
    return DashboardSummary(
        portfolio=await portfolio_metrics(initial_capital=initial_capital, now=now),
        recent_trades=[trade async for trade in recent],
        open_positions=[row async for row in open_rows],
        today_pnl=summed_money(periods["today"]),
        week_pnl=summed_money(periods["week"]),
        month_pnl=summed_money(periods["month"]),
        last_updated=now,
    )


async def ticker_statistics() -> list[TickerStatistics]:
    """Per-ticker figures over CLOSED trades, ordered by ticker.

    total_trades counts the closed trades; total_pnl, avg_pnl and win_rate (in %) use those
    with a pnl (a zero pnl is neither a win nor a loss); avg_holding_days is the mean of
    exit - entry over those with an exit date.

    One GROUP BY query gives the counts and sums per ticker; the ratios are worked out in
    :func:`trades.metrics.summarise` and :func:`trades.metrics.average_holding_days`, so
    they match the portfolio figures. The rows (one per ticker) are sorted in Python, by
    code point as before, rather than with ORDER BY: PostgreSQL would order by the
    database's collation, which need not be code-point order (SQLite compares bytes).
    """
    rows = (
        Trade.objects.filter(status=TradeStatus.CLOSED)
        .values("ticker")
        .annotate(
            closed=Count("id"),
            realised=Count("id", filter=Q(pnl__isnull=False)),
            wins=Count("id", filter=Q(pnl__gt=0)),
            losses=Count("id", filter=Q(pnl__lt=0)),
            total_pnl=Sum("pnl"),
            held=Count("id", filter=Q(exit_date__isnull=False)),
            holding=Sum(Elapsed("exit_date", "entry_date")),
        )
        .order_by()
    )
    result: list[TickerStatistics] = []
    for row in sorted([row async for row in rows], key=lambda row: row["ticker"]):
        stats = summarise(
            closed=row["realised"],
            wins=row["wins"],
            losses=row["losses"],
            total_pnl=summed_money(row["total_pnl"]),
            best=None,
            worst=None,
        )
        result.append(
            TickerStatistics(
                ticker=row["ticker"],
                total_trades=row["closed"],
                total_pnl=stats.total_pnl,
                avg_pnl=stats.avg_pnl_per_trade,
                win_rate=stats.win_rate,
                avg_holding_days=average_holding_days(total=row["holding"], count=row["held"]),
            )
        )
    return result
