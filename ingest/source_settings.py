"""Which sources an ingest run may use, and how many requests it may make to each.

Each source gets a request budget per run (``PARAKEET_INGEST_REQUEST_BUDGETS``, retries
included); once it is spent the source's remaining tickers fail with "request budget
exhausted" instead of hammering the vendor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.conf import settings

from ingest.sources import RequestBudget, SourceName, route_source

# Requests one run may make to one source (retries count: the vendor counts them). Generous
# against a normal run (one request per ticker: ~750 for the default universes), it stops a
# runaway (a misconfigured universe, a retry storm) before the key gets throttled. Override
# per source with PARAKEET_INGEST_REQUEST_BUDGETS = {"tiingo": N, "yahoo": N}; None = no cap.
# The environment variable of the same name sets it: "tiingo=5000,yahoo=20000" (settings.py).
DEFAULT_REQUEST_BUDGET: Final = 10_000
UNKNOWN_SOURCE: Final = "unknown"

SOURCE_LABELS: Final = {SourceName.TIINGO: "Tiingo", SourceName.YAHOO: "Yahoo"}
YAHOO_DISABLED: Final = "Yahoo Finance is disabled (PARAKEET_YFINANCE_ENABLED is off)"


def tiingo_configured() -> bool:
    return bool(str(getattr(settings, "TIINGO_API_KEY", "") or "").strip())


def yahoo_enabled() -> bool:
    """Yahoo needs no key; ``PARAKEET_YFINANCE_ENABLED = False`` switches it off."""
    return bool(getattr(settings, "PARAKEET_YFINANCE_ENABLED", True))


def request_budgets() -> dict[SourceName, RequestBudget]:
    """A fresh budget per source for one run, from ``PARAKEET_INGEST_REQUEST_BUDGETS``."""
    configured: Mapping[str, int | None] = (
        getattr(settings, "PARAKEET_INGEST_REQUEST_BUDGETS", None) or {}
    )
    return {
        name: RequestBudget(configured.get(str(name), DEFAULT_REQUEST_BUDGET))
        for name in SourceName
    }


def source_label(ticker: str, source: str) -> str:
    """The metric dimension of a ticker: the source its requests are routed to."""
    try:
        return str(route_source(ticker, source))
    except ValueError:
        return UNKNOWN_SOURCE
