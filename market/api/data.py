"""``/api/data`` views (contract §2.2, §3.5): status, refresh, universe summary, source rule
and the ingest-run audit trail."""

from __future__ import annotations

from typing import Any, Final

from adrf.views import APIView
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ingest import selectors as ingest_selectors
from ingest.services import IngestQueueUnavailable, RefreshRequest, request_refresh
from market.api.common import (
    DOMAIN_ERROR,
    VALIDATION_ERROR,
    call_sync,
    path_parameter,
)
from market.api.status import cache_status, data_status
from market.errors import UnknownUniverse
from market.selectors import members
from market.serializers import (
    DataSourceSerializer,
    DataUniverseQuerySerializer,
    DataUniverseSerializer,
    IngestRunListSerializer,
    IngestRunSerializer,
    MarketDataStatusSerializer,
    PageQuerySerializer,
    RefreshRequestSerializer,
    RefreshResponseSerializer,
)
from parakeet.api import utc_now_iso
from parakeet.errors import DomainError
from parakeet.validation import parse_body, parse_path_int, parse_query

TAGS: Final = ["data"]
SAMPLE_SIZE: Final = 50

# The contract's (narrow) routing rule for /api/data/source and the universe summary.
YFINANCE_TICKERS: Final = frozenset(
    {"^VIX", "^GSPC", "^DJI", "^IXIC", "BTC-USD", "BTC-AUD", "ETH-USD"}
)
SOURCE_COVERAGE: Final = {
    "tiingo": "US Stocks (NYSE, NASDAQ), US ETFs, Mutual Funds, Chinese A-Shares, Gold",
    "yfinance": "ASX Stocks, ASX ETFs, VIX Index, Cryptocurrencies (BTC, ETH)",
}
UNIVERSE_COVERAGE: Final = {
    "tiingo": "US Stocks, US ETFs, Mutual Funds, Gold",
    "yfinance": "ASX Stocks, ASX ETFs, VIX, BTC",
}


def contract_source(ticker: str) -> str:
    symbol = ticker.upper()
    return "yfinance" if symbol.endswith(".AX") or symbol in YFINANCE_TICKERS else "tiingo"


class DataStatusView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_market_data_status",
        summary="Data sources, Parquet cache and database status",
        responses={200: MarketDataStatusSerializer, 503: DOMAIN_ERROR},
    )
    async def get(self, request: Request) -> Response:
        return Response(await call_sync(data_status))


def _refresh_message(tickers: list[str]) -> str:
    yfinance = sum(1 for ticker in tickers if contract_source(ticker) == "yfinance")
    return (
        f"Refreshing {len(tickers) - yfinance} US tickers (Tiingo) and {yfinance} ASX tickers "
        "(yFinance)"
    )


def _refresh(tickers: list[str] | None, force: bool) -> dict[str, Any]:
    try:
        refresh: RefreshRequest = request_refresh(tickers=tickers, force=force)
    except IngestQueueUnavailable:
        raise DomainError(
            "The task queue is unavailable; the refresh was not started.", status_code=503
        ) from None
    return {
        "status": "started",
        "message": _refresh_message(refresh.tickers),
        "tickers_refreshed": len(refresh.tickers),
        "timestamp": utc_now_iso(),
        "cache_status": cache_status(),
        "ingest_run_id": refresh.run.pk,
    }


class DataRefreshView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="refresh_data",
        summary="Queue an ingest run",
        description=(
            "Creates an ingest run (status `queued`) and enqueues it; follow it at "
            "`/api/data/ingest-runs/{id}`. Without tickers: SPX500, US_ETFS and ASX200."
        ),
        request=RefreshRequestSerializer,
        responses={200: RefreshResponseSerializer, 422: VALIDATION_ERROR, 503: DOMAIN_ERROR},
    )
    async def post(self, request: Request) -> Response:
        body = parse_body(request, RefreshRequestSerializer)
        tickers = list(dict.fromkeys(body.get("tickers") or [])) or None
        return Response(await call_sync(_refresh, tickers, body["force"]))


def _members_or_none(key: str, included: bool) -> list[str]:
    if not included:
        return []
    try:
        return members(index=key)
    except UnknownUniverse:
        return []  # universes not loaded: nothing to report


def _sample(tickers: list[str]) -> dict[str, Any]:
    unique = sorted(set(tickers))
    return {"count": len(unique), "tickers": unique[:SAMPLE_SIZE]}


def data_universe(
    *, include_sp500: bool, include_nasdaq100: bool, include_asx200: bool, include_etfs: bool
) -> dict[str, Any]:
    sp500 = _members_or_none("SPX500", include_sp500)
    nasdaq100 = _members_or_none("NASDAQ100", include_nasdaq100)
    asx200 = _members_or_none("ASX200", include_asx200)
    us_etfs = _members_or_none("US_ETFS", include_etfs)
    asx_etfs = _members_or_none("ASX_ETFS", include_etfs)
    everything = sorted({*sp500, *nasdaq100, *asx200, *us_etfs, *asx_etfs})
    by_source: dict[str, list[str]] = {"tiingo": [], "yfinance": []}
    for ticker in everything:
        by_source[contract_source(ticker)].append(ticker)
    return {
        "total_tickers": len(everything),
        "by_source": {
            name: {**_sample(tickers), "coverage": UNIVERSE_COVERAGE[name]}
            for name, tickers in by_source.items()
        },
        "etfs": {"us": _sample(us_etfs), "asx": _sample(asx_etfs)},
        "indices": {
            "sp500": len(set(sp500)),
            "nasdaq100": len(set(nasdaq100)),
            "asx200": len(set(asx200)),
        },
    }


class DataUniverseView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_data_universe",
        summary="The refresh universe by source",
        parameters=[DataUniverseQuerySerializer],
        responses={200: DataUniverseSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, DataUniverseQuerySerializer)
        return Response(await call_sync(data_universe, **query))


class DataSourceView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_data_source",
        summary="Which source serves a ticker",
        parameters=[path_parameter("ticker", "A ticker, e.g. `AAPL`, `BHP.AX`, `^VIX`.")],
        responses={200: DataSourceSerializer},
    )
    async def get(self, request: Request, ticker: str) -> Response:
        source = contract_source(ticker)
        return Response({"ticker": ticker, "source": source, "coverage": SOURCE_COVERAGE[source]})


class IngestRunListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="list_ingest_runs",
        summary="Ingest runs, newest first",
        parameters=[PageQuerySerializer],
        responses={200: IngestRunListSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, PageQuerySerializer)
        page = await ingest_selectors.ingest_run_page(
            page=query["page"], page_size=query["page_size"]
        )
        return Response(IngestRunListSerializer(page).data)


class IngestRunDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_ingest_run",
        summary="One ingest run",
        parameters=[path_parameter("id", "The ingest run's integer id.", int)],
        responses={200: IngestRunSerializer, 404: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request, id: str) -> Response:
        run = await ingest_selectors.get_ingest_run(pk=parse_path_int("id", id))
        return Response(IngestRunSerializer(run).data)
