"""Symbols, daily bars (table ``market_data``), universes and point-in-time index membership.

``market_data`` keeps the shape of the original schema: one row per (ticker, date), prices in
NUMERIC(12,4), and CHECK constraints that make a malformed bar impossible to store on any
backend (low <= open/close <= high, prices > 0, volume >= 0). Bars are written only through
``market.services.upsert_bars``, which also keeps each symbol's bar dates and
``bars_changed_at`` current (the Parquet cache uses them to notice it is stale).

No pandas here: the slim Lambda artifact imports these models.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

PRICE_DIGITS = 12
PRICE_PLACES = 4
TICKER_LENGTH = 20


class DataSource(models.TextChoices):
    TIINGO = "tiingo", "Tiingo"
    YAHOO = "yahoo", "Yahoo Finance"
    DEMO = "demo", "Synthetic demo data"


class AssetClass(models.TextChoices):
    EQUITY = "equity", "Equity"
    ETF = "etf", "ETF"
    INDEX = "index", "Index"
    CRYPTO = "crypto", "Crypto"
    FUND = "fund", "Fund"
    OTHER = "other", "Other"


class DataQuality(models.TextChoices):
    GOOD = "good", "Good"
    SUSPECT = "suspect", "Suspect"
    BAD = "bad", "Bad"


class Symbol(models.Model):
    """An instrument, keyed by its ticker as the data source spells it (``BRK-B``, ``BHP.AX``,
    ``^VIX``, ``BTC-USD``)."""

    ticker = models.CharField(max_length=TICKER_LENGTH, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    exchange = models.CharField(max_length=20, blank=True, default="")
    asset_class = models.CharField(
        max_length=10, choices=AssetClass.choices, default=AssetClass.EQUITY
    )
    currency = models.CharField(max_length=3, default="USD")
    sector = models.CharField(max_length=100, blank=True, default="")
    data_source = models.CharField(max_length=10, choices=DataSource.choices)
    is_active = models.BooleanField(default=True)
    is_delisted = models.BooleanField(default=False)
    first_bar_date = models.DateField(null=True, blank=True)
    last_bar_date = models.DateField(null=True, blank=True)
    # When a bar of this symbol was last inserted or changed; lets caches detect revisions
    # (a re-fetched adj_close after a dividend) that do not move last_bar_date.
    bars_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ticker"]
        constraints = [
            models.CheckConstraint(
                condition=Q(data_source__in=DataSource.values), name="symbol_data_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(asset_class__in=AssetClass.values), name="symbol_asset_class_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["data_source", "is_active"], name="symbol_source_active_idx"),
        ]

    def __str__(self) -> str:
        return self.ticker


class DailyBar(models.Model):
    """One end-of-day bar. ``adj_close`` may be unknown (null) but is positive when known."""

    ticker = models.ForeignKey(
        Symbol,
        on_delete=models.PROTECT,
        to_field="ticker",
        db_column="ticker",
        related_name="bars",
        # The unique (ticker, date) index already serves ticker lookups and the FK check;
        # another index on ticker alone would only slow the bulk upsert down.
        db_index=False,
    )
    date = models.DateField()
    open = models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    high = models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    low = models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    close = models.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    adj_close = models.DecimalField(
        max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, null=True, blank=True
    )
    volume = models.BigIntegerField()
    source = models.CharField(max_length=10, choices=DataSource.choices)
    data_quality = models.CharField(
        max_length=10, choices=DataQuality.choices, default=DataQuality.GOOD
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "market_data"
        # By the column, not the relation: ordering by "ticker" would join market_symbol.
        ordering = ["ticker_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["ticker", "date"], name="market_data_ticker_date_uniq"),
            models.CheckConstraint(
                condition=Q(low__lte=F("open")) & Q(open__lte=F("high")),
                name="market_data_open_in_range",
            ),
            models.CheckConstraint(
                condition=Q(low__lte=F("close")) & Q(close__lte=F("high")),
                name="market_data_close_in_range",
            ),
            models.CheckConstraint(
                condition=Q(open__gt=0) & Q(high__gt=0) & Q(low__gt=0) & Q(close__gt=0),
                name="market_data_prices_positive",
            ),
            models.CheckConstraint(
                condition=Q(adj_close__isnull=True) | Q(adj_close__gt=0),
                name="market_data_adj_close_positive",
            ),
            models.CheckConstraint(
                condition=Q(volume__gte=0), name="market_data_volume_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(source__in=DataSource.values), name="market_data_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(data_quality__in=DataQuality.values),
                name="market_data_quality_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["ticker", "-date"], name="market_data_ticker_date_idx"),
            models.Index(fields=["-date"], name="market_data_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticker_id} {self.date.isoformat()} close {self.close}"


class Universe(models.Model):
    """A named list of tickers shipped with the code (``market/data/universes``)."""

    key = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True, default="")
    region = models.CharField(max_length=16)
    asset_class = models.CharField(max_length=16)
    as_of = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=500, blank=True, default="")
    # Order of the registry file, which is the order the API lists universes in.
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.key


class IndexConstituent(models.Model):
    """``ticker`` belonged to ``universe`` from ``start_date`` (inclusive) until ``end_date``
    (exclusive: the first day it was no longer a member); an open ``end_date`` means it still
    is. Membership is answered by ``market.selectors.members(index=..., as_of=...)``."""

    universe = models.ForeignKey(Universe, on_delete=models.CASCADE, related_name="constituents")
    ticker = models.ForeignKey(
        Symbol,
        on_delete=models.CASCADE,
        to_field="ticker",
        db_column="ticker",
        related_name="memberships",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["universe_id", "ticker_id", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["universe", "ticker", "start_date"], name="constituent_interval_uniq"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="constituent_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["universe", "end_date"], name="constituent_current_idx"),
            models.Index(fields=["universe", "start_date"], name="constituent_start_idx"),
        ]

    def __str__(self) -> str:
        end = self.end_date.isoformat() if self.end_date else "now"
        return f"{self.ticker_id} in {self.universe_id} {self.start_date.isoformat()}..{end}"
