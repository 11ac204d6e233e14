"""What a ticker's spelling tells us: its data source, exchange, currency and asset class.

The routing rule is the contract's (§2.2): ``.AX`` listings, the indices and crypto pairs come
from Yahoo, everything else from Tiingo. Like the ingest router, any ``^`` index and any
``<COIN>-<FIAT>`` pair counts, not only the seven the contract names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from market.models import AssetClass, DataSource

_FIAT: Final = "USD|AUD|EUR|GBP|JPY|CAD|NZD|CHF"
_CRYPTO_PAIR: Final = re.compile(rf"^[A-Z0-9]{{2,10}}-(?:{_FIAT})$")
_KNOWN_CRYPTO_BASES: Final = frozenset(
    {"ADA", "AVAX", "BCH", "BNB", "BTC", "DOGE", "DOT", "ETC", "ETH", "LINK", "LTC", "MATIC",
     "SHIB", "SOL", "TRX", "UNI", "XLM", "XMR", "XRP"}
)  # fmt: skip
_ASX_INDICES: Final = frozenset({"^AXJO", "^AORD", "^AXKO", "^ATLI", "^AXPJ", "^AXMJ"})


@dataclass(frozen=True, slots=True)
class TickerFacts:
    data_source: DataSource
    exchange: str
    currency: str
    asset_class: AssetClass | None  # None: the spelling alone does not say


def is_crypto_pair(ticker: str) -> bool:
    symbol = ticker.strip().upper()
    return bool(_CRYPTO_PAIR.match(symbol)) and symbol.split("-")[0] in _KNOWN_CRYPTO_BASES


def data_source_for(ticker: str) -> DataSource:
    symbol = ticker.strip().upper()
    if symbol.endswith(".AX") or symbol.startswith("^") or is_crypto_pair(symbol):
        return DataSource.YAHOO
    return DataSource.TIINGO


def ticker_facts(ticker: str) -> TickerFacts:
    symbol = ticker.strip().upper()
    if is_crypto_pair(symbol):
        return TickerFacts(DataSource.YAHOO, "CRYPTO", symbol.split("-")[1], AssetClass.CRYPTO)
    if symbol.startswith("^"):
        region = "AUD" if symbol in _ASX_INDICES else "USD"
        return TickerFacts(DataSource.YAHOO, "INDEX", region, AssetClass.INDEX)
    if symbol.endswith(".AX"):
        return TickerFacts(DataSource.YAHOO, "ASX", "AUD", None)
    return TickerFacts(DataSource.TIINGO, "", "USD", None)
