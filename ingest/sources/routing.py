"""Which source serves a ticker, and which exchange clock its trading dates follow.

Contract §2.2: `.AX` tickers and `^VIX ^GSPC ^DJI ^IXIC BTC-USD BTC-AUD ETH-USD` come from
Yahoo, everything else from Tiingo. We widen that in the obvious direction: any index (`^...`)
and any crypto pair Yahoo spells `<BASE>-<FIAT>` also go to Yahoo, since Tiingo's end-of-day
API serves neither.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

from ingest.sources.bars import SourceName

SOURCE_CHOICES: Final = ("auto", "tiingo", "yahoo")

CONTRACT_YAHOO_TICKERS: Final = frozenset(
    {"^VIX", "^GSPC", "^DJI", "^IXIC", "BTC-USD", "BTC-AUD", "ETH-USD"}
)
CRYPTO_BASES: Final = frozenset(
    {
        "ADA", "AVAX", "BCH", "BNB", "BTC", "DOGE", "DOT", "ETC", "ETH", "LINK",
        "LTC", "MATIC", "SHIB", "SOL", "TRX", "UNI", "XLM", "XMR", "XRP",
    }
)  # fmt: skip
FIAT_QUOTES: Final = frozenset({"USD", "AUD", "EUR", "GBP", "JPY", "CAD", "NZD", "CHF"})

# Yahoo index symbols computed on the ASX; other `^` indices here are US ones.
ASX_INDICES: Final = frozenset({"^AXJO", "^AORD", "^AXKO", "^ATLI", "^AXPJ", "^AXMJ"})

NEW_YORK: Final = ZoneInfo("America/New_York")
SYDNEY: Final = ZoneInfo("Australia/Sydney")
UTC: Final = ZoneInfo("UTC")


def normalise_ticker(ticker: str) -> str:
    return ticker.strip().upper()


def is_asx(ticker: str) -> bool:
    symbol = normalise_ticker(ticker)
    return symbol.endswith(".AX") or symbol in ASX_INDICES


def is_index(ticker: str) -> bool:
    return normalise_ticker(ticker).startswith("^")


def is_crypto_pair(ticker: str) -> bool:
    base, dash, quote = normalise_ticker(ticker).partition("-")
    return bool(dash) and base in CRYPTO_BASES and quote in FIAT_QUOTES


def route_source(ticker: str, source: str = "auto") -> SourceName:
    """The source for `ticker`; `source` other than "auto" forces one for a whole run."""
    choice = source.strip().lower()
    if choice not in SOURCE_CHOICES:
        raise ValueError(f"unknown source '{source}': choose one of {', '.join(SOURCE_CHOICES)}")
    if choice != "auto":
        return SourceName(choice)
    symbol = normalise_ticker(ticker)
    if (
        symbol in CONTRACT_YAHOO_TICKERS
        or symbol.endswith(".AX")
        or is_index(symbol)
        or is_crypto_pair(symbol)
    ):
        return SourceName.YAHOO
    return SourceName.TIINGO


def exchange_timezone(ticker: str) -> ZoneInfo:
    """Crypto trades around the clock and Yahoo dates it in UTC."""
    if is_crypto_pair(ticker):
        return UTC
    if is_asx(ticker):
        return SYDNEY
    return NEW_YORK


def today_in_exchange(ticker: str, now: dt.datetime) -> dt.date:
    """The calendar date at the ticker's exchange at instant `now` (timezone-aware)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(exchange_timezone(ticker)).date()
