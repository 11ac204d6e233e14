"""Test data builders for market data (plain functions; no fixture files)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from market.bar_upsert import BarRow
from market.models import DailyBar, Symbol
from market.services import upsert_bars

START = dt.date(2024, 1, 1)


def make_symbol(ticker: str = "AAPL", **overrides: Any) -> Symbol:
    """The symbol (the universes migration may already have created it), with ``overrides``."""
    fields: dict[str, Any] = {"name": f"{ticker} Inc.", "data_source": "tiingo"}
    fields.update(overrides)
    symbol, _ = Symbol.objects.update_or_create(ticker=ticker, defaults=fields)
    return symbol


def bar_row(
    ticker: str = "AAPL", day: dt.date = START, close: float = 100.0, **overrides: Any
) -> BarRow:
    """A valid bar around ``close`` (low < open, close < high)."""
    price = Decimal(str(close))
    fields: dict[str, Any] = {
        "ticker": ticker,
        "date": day,
        "open": price - Decimal("0.5"),
        "high": price + Decimal("1"),
        "low": price - Decimal("1"),
        "close": price,
        "adj_close": price,
        "volume": 1_000_000,
        "source": "tiingo",
    }
    fields.update(overrides)
    return BarRow(**fields)


def business_days(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def bar_series(
    ticker: str, closes: list[float], start: dt.date = START, **overrides: Any
) -> list[BarRow]:
    return [
        bar_row(ticker, day, close, **overrides)
        for day, close in zip(business_days(start, len(closes)), closes, strict=True)
    ]


def store_bars(rows: list[BarRow]) -> None:
    upsert_bars(rows=rows)


def bar_fields(ticker: str, day: dt.date, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``DailyBar.objects.create`` of a valid bar."""
    fields: dict[str, Any] = {
        "ticker_id": ticker,
        "date": day,
        "open": Decimal("100"),
        "high": Decimal("101"),
        "low": Decimal("99"),
        "close": Decimal("100.5"),
        "adj_close": Decimal("100.5"),
        "volume": 1000,
        "source": "tiingo",
    }
    fields.update(overrides)
    return fields


def stored_bar(ticker: str, day: dt.date) -> DailyBar:
    return DailyBar.objects.get(ticker__ticker=ticker, date=day)
