"""Scanner universe names (contract §5) and the stored universes they stand for."""

from __future__ import annotations

from market import selectors as market

UNIVERSE_KEYS: dict[str, tuple[str, ...]] = {
    "sp500": ("SPX500",),
    "nasdaq100": ("NASDAQ100",),
    "asx200": ("ASX200",),
    "all": ("SPX500", "US_ETFS", "ASX200"),
}
UNIVERSE_NAMES = tuple(UNIVERSE_KEYS)


def universe_tickers(name: str) -> list[str]:
    """Current members of the scanner universe ``name``, sorted and de-duplicated."""
    tickers: set[str] = set()
    for key in UNIVERSE_KEYS[name]:
        tickers.update(market.members(index=key))
    return sorted(tickers)
