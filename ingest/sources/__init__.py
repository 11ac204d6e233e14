"""Market data sources: async HTTP fetchers for Tiingo and Yahoo, routing and bar validation.

Typical ingest run::

    async with build_client() as client:
        sources = build_sources(client, tiingo_api_key=settings.TIINGO_API_KEY)
        async for result in fetch_many(requests, sources, budgets={...}):
            outcome = validate_bars(result.bars, previous_close=...)
"""

from ingest.sources.bars import Bar, FetchRequest, FetchResult, FetchStatus, SourceName
from ingest.sources.budget import BUDGET_EXHAUSTED, RequestBudget
from ingest.sources.client import DEFAULT_CONCURRENCY, build_client
from ingest.sources.fetch import build_sources, fetch_all, fetch_many
from ingest.sources.retry import RetryPolicy
from ingest.sources.routing import exchange_timezone, route_source, today_in_exchange
from ingest.sources.source import DataSource, DisabledSource, SourceDisabled
from ingest.sources.tiingo import TiingoSource
from ingest.sources.validation import BarQuality, ValidationOutcome, validate_bars
from ingest.sources.yahoo import YahooSource

__all__ = [
    "BUDGET_EXHAUSTED",
    "DEFAULT_CONCURRENCY",
    "Bar",
    "BarQuality",
    "DataSource",
    "DisabledSource",
    "FetchRequest",
    "FetchResult",
    "FetchStatus",
    "RequestBudget",
    "RetryPolicy",
    "SourceDisabled",
    "SourceName",
    "TiingoSource",
    "ValidationOutcome",
    "YahooSource",
    "build_client",
    "build_sources",
    "exchange_timezone",
    "fetch_all",
    "fetch_many",
    "route_source",
    "today_in_exchange",
    "validate_bars",
]
