"""Deciding which fetched bars may be stored, and how much to trust them.

A bar the `market_data` CHECK constraints would refuse (low <= open/close <= high, prices > 0,
volume >= 0) is rejected with a reason instead of failing the whole bulk upsert. Checks run on
the values the database will hold, NUMERIC(12,4): Yahoo's float32 noise (an open of
45.66000366 over a high of 45.65999985) is the same price once rounded, not a bad bar.
Accepted bars come back rounded, ready to write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ingest.sources.bars import Bar

PRICE_QUANTUM = Decimal("0.0001")
MAX_PRICE = Decimal("99999999.9999")  # NUMERIC(12,4)
DEFAULT_MAX_MOVE = Decimal("0.5")


class BarQuality(StrEnum):
    GOOD = "good"
    SUSPECT = "suspect"  # accepted, but a move too large to believe without a split


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    accepted: list[tuple[Bar, BarQuality]]
    rejected: list[tuple[Bar, str]]


def validate_bars(
    bars: Iterable[Bar],
    previous_close: Decimal | None = None,
    *,
    max_move: Decimal = DEFAULT_MAX_MOVE,
) -> ValidationOutcome:
    """Validate one ticker's bars, in date order.

    `previous_close` is the last stored close before these bars, so the first new bar's move
    is judged too. Duplicate dates keep the last bar given (the freshest snapshot).
    """
    by_date: dict[dt.date, Bar] = {}
    tickers = set()
    for bar in bars:
        tickers.add(bar.ticker)
        by_date[bar.date] = bar
    if len(tickers) > 1:
        raise ValueError(f"validate_bars takes one ticker at a time, got {sorted(tickers)}")

    accepted: list[tuple[Bar, BarQuality]] = []
    rejected: list[tuple[Bar, str]] = []
    last_close = previous_close
    for bar in sorted(by_date.values(), key=lambda b: b.date):
        rounded, problem = _as_stored(bar)
        if problem is not None:
            rejected.append((bar, problem))
            continue
        assert rounded.close is not None  # _as_stored guarantees every price
        quality = BarQuality.GOOD
        if (
            not rounded.split_event
            and last_close is not None
            and last_close > 0
            and abs(rounded.close / last_close - 1) > max_move
        ):
            quality = BarQuality.SUSPECT
        accepted.append((rounded, quality))
        last_close = rounded.close
    return ValidationOutcome(accepted, rejected)


def _as_stored(bar: Bar) -> tuple[Bar, str | None]:
    """The bar rounded to NUMERIC(12,4), or the reason the database would refuse it."""
    prices: dict[str, Decimal] = {}
    for field in ("open", "high", "low", "close"):
        price, problem = _price(field, getattr(bar, field))
        if problem is not None:
            return bar, problem
        assert price is not None
        prices[field] = price
    adj_close: Decimal | None = None
    if bar.adj_close is not None:
        adj_close, problem = _price("adj_close", bar.adj_close)
        if problem is not None:
            return bar, problem

    open_, high, low, close = prices["open"], prices["high"], prices["low"], prices["close"]
    if low > high:
        return bar, f"low {low} is above high {high}"
    if not low <= open_ <= high:
        return bar, f"open {open_} is outside low {low} .. high {high}"
    if not low <= close <= high:
        return bar, f"close {close} is outside low {low} .. high {high}"
    if bar.volume is None:
        return bar, "volume is missing"
    if bar.volume < 0:
        return bar, f"volume {bar.volume} is negative"
    return (
        dataclasses.replace(bar, open=open_, high=high, low=low, close=close, adj_close=adj_close),
        None,
    )


def _price(field: str, value: Decimal | None) -> tuple[Decimal | None, str | None]:
    if value is None:
        return None, f"{field} is missing"
    if not value.is_finite():
        return None, f"{field} is not a finite number ({value})"
    if value <= 0:
        return None, f"{field} {value} is not positive"
    if value > MAX_PRICE:
        return None, f"{field} {value} does not fit NUMERIC(12,4)"
    rounded = value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)
    if rounded <= 0:
        return None, f"{field} {value} rounds to zero at 4 decimal places"
    if rounded > MAX_PRICE:
        return None, f"{field} {value} does not fit NUMERIC(12,4)"
    return rounded, None
