"""The trade journal: trades, portfolio snapshots and the trade-id counter.

Money and quantities are ``Decimal`` (exact in PostgreSQL's NUMERIC); ratios computed from an
equity curve (returns, volatility, Sharpe, drawdown) are floats, as in the analytics code.

Every row is bi-temporal: ``event_timestamp`` is when the thing happened in the market (the
entry, or the exit once closed; the snapshot's valuation time) and ``knowledge_timestamp`` is
when Parakeet learned of it (the last write), so a backtest can ask "what did we know at t?".
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone

# Prices and quantities: 12 whole digits and 8 decimals covers equities, ETFs and crypto lots.
PRICE_DIGITS = 20
PRICE_PLACES = 8
MONEY_DIGITS = 20
MONEY_PLACES = 4
# (exit - entry) * quantity can reach 24 whole digits with the bounds above.
PNL_DIGITS = 32
# pnl / notional * 100 is unbounded in principle for tiny notionals; leave generous headroom.
PNL_PERCENT_DIGITS = 48

DEFAULT_COMMISSION = Decimal("3.0")
DEFAULT_CURRENCY = "AUD"
DEFAULT_STRATEGY = "dual_momentum"


class Direction(models.TextChoices):
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"


class TradeStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    CLOSED = "CLOSED", "Closed"
    CANCELLED = "CANCELLED", "Cancelled"


class Trade(models.Model):
    ticker = models.CharField(max_length=20)
    asset_name = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    asset_class = models.CharField(max_length=50, null=True, blank=True)  # noqa: DJ001
    direction = models.CharField(max_length=4, choices=Direction.choices)
    quantity = models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    entry_price = models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    entry_date = models.DateTimeField()
    exit_price = models.DecimalField(
        max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, null=True, blank=True
    )
    exit_date = models.DateTimeField(null=True, blank=True)
    commission = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=DEFAULT_COMMISSION
    )
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    strategy_name = models.CharField(max_length=100, default=DEFAULT_STRATEGY)
    signal_score = models.FloatField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)  # noqa: DJ001
    trade_id = models.CharField(max_length=50, unique=True)
    pnl = models.DecimalField(
        max_digits=PNL_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    pnl_percent = models.DecimalField(
        max_digits=PNL_PERCENT_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=TradeStatus.choices, default=TradeStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    knowledge_timestamp = models.DateTimeField(default=timezone.now)
    event_timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-entry_date", "-id"]
        indexes = [
            models.Index(fields=["ticker"], name="trades_ticker_idx"),
            models.Index(fields=["status"], name="trades_status_idx"),
            models.Index(fields=["entry_date"], name="trades_entry_date_idx"),
            models.Index(fields=["strategy_name"], name="trades_strategy_idx"),
            models.Index(fields=["ticker", "entry_date"], name="trades_ticker_entry_idx"),
            models.Index(fields=["status", "exit_date"], name="trades_status_exit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.trade_id} {self.direction} {self.ticker} ({self.status})"


class PortfolioSnapshot(models.Model):
    """A point-in-time valuation of the portfolio (the old ``portfolio_snapshots`` table)."""

    timestamp = models.DateTimeField(default=timezone.now)
    total_value = models.DecimalField(max_digits=PNL_DIGITS, decimal_places=MONEY_PLACES)
    cash_balance = models.DecimalField(max_digits=PNL_DIGITS, decimal_places=MONEY_PLACES)
    invested_value = models.DecimalField(max_digits=PNL_DIGITS, decimal_places=MONEY_PLACES)
    daily_return = models.FloatField(null=True, blank=True)
    total_return = models.FloatField(null=True, blank=True)
    volatility = models.FloatField(null=True, blank=True)
    sharpe_ratio = models.FloatField(null=True, blank=True)
    max_drawdown = models.FloatField(null=True, blank=True)
    num_positions = models.PositiveIntegerField(default=0)
    positions = models.JSONField(default=list, blank=True)
    knowledge_timestamp = models.DateTimeField(default=timezone.now)
    event_timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["timestamp"], name="snapshots_timestamp_idx")]

    def __str__(self) -> str:
        return f"Snapshot {self.timestamp.isoformat()} = {self.total_value}"


class TradeIdCounter(models.Model):
    """The last sequence number handed out for a (prefix, UTC date); never decremented."""

    prefix = models.CharField(max_length=20)
    day = models.DateField()
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="trade_id_counter_prefix_day")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.day:%Y%m%d}: {self.last_value}"
