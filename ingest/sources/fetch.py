"""Fetching many tickers at once: bounded, budgeted, and one bad ticker never stops the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing

import httpx

from ingest.sources.bars import FetchRequest, FetchResult, FetchStatus, SourceName
from ingest.sources.budget import RequestBudget
from ingest.sources.client import DEFAULT_CONCURRENCY
from ingest.sources.payload import short_text
from ingest.sources.retry import RetryPolicy
from ingest.sources.routing import route_source
from ingest.sources.source import DataSource, DisabledSource, SourceDisabled
from ingest.sources.tiingo import TiingoSource
from ingest.sources.yahoo import YahooSource

Sources = Mapping[SourceName, DataSource]


def build_sources(
    client: httpx.AsyncClient,
    *,
    tiingo_api_key: str | None,
    retry: RetryPolicy | None = None,
) -> dict[SourceName, DataSource]:
    """Both sources on one client; without a key Tiingo's tickers fail with the reason why."""
    tiingo: DataSource
    try:
        tiingo = TiingoSource(tiingo_api_key, client, retry=retry)
    except SourceDisabled as exc:
        tiingo = DisabledSource(SourceName.TIINGO, str(exc))
    return {SourceName.TIINGO: tiingo, SourceName.YAHOO: YahooSource(client, retry=retry)}


async def fetch_many(
    requests: Sequence[FetchRequest],
    sources: Sources,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    budgets: Mapping[SourceName, RequestBudget] | None = None,
) -> AsyncGenerator[FetchResult, None]:
    """Yield one result per request, as each finishes (not in request order).

    At most `concurrency` tickers are in flight (retry waits included, so a throttled source
    is not hammered by the others' slots). `budgets` caps requests per source for the run.
    Closing the stream early (`async with aclosing(fetch_many(...)) as results:`, then
    `break`) cancels the tickers still running.
    """
    async with aclosing(_run(requests, sources, concurrency, budgets)) as results:
        async for _, result in results:
            yield result


async def fetch_all(
    requests: Sequence[FetchRequest],
    sources: Sources,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    budgets: Mapping[SourceName, RequestBudget] | None = None,
) -> list[FetchResult]:
    """Like `fetch_many`, collected into a list in request order."""
    results: list[FetchResult | None] = [None] * len(requests)
    async with aclosing(_run(requests, sources, concurrency, budgets)) as finished:
        async for index, result in finished:
            results[index] = result
    return [result for result in results if result is not None]


async def _run(
    requests: Sequence[FetchRequest],
    sources: Sources,
    concurrency: int,
    budgets: Mapping[SourceName, RequestBudget] | None,
) -> AsyncGenerator[tuple[int, FetchResult], None]:
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    run_budgets = {name: RequestBudget() for name in SourceName} | dict(budgets or {})
    semaphore = asyncio.Semaphore(concurrency)

    async def bounded(index: int, request: FetchRequest) -> tuple[int, FetchResult]:
        async with semaphore:
            return index, await _fetch_one(request, sources, run_budgets)

    tasks = [asyncio.create_task(bounded(i, request)) for i, request in enumerate(requests)]
    try:
        for finished in asyncio.as_completed(tasks):
            yield await finished
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _fetch_one(
    request: FetchRequest, sources: Sources, budgets: Mapping[SourceName, RequestBudget]
) -> FetchResult:
    ticker = request.ticker
    name: SourceName | None = None
    try:
        name = route_source(ticker, request.source)
        source = sources.get(name)
        if source is None:
            return _failed(ticker, name, f"no {name} source configured for this run")
        if request.start > request.end:
            return _failed(ticker, name, f"start {request.start} is after end {request.end}")
        return await source.fetch(ticker, request.start, request.end, budget=budgets[name])
    except Exception as exc:
        return _failed(ticker, name, short_text(f"unexpected error: {type(exc).__name__}: {exc}"))


def _failed(ticker: str, source: SourceName | None, reason: str) -> FetchResult:
    return FetchResult(ticker, (), FetchStatus.FAILED, reason, 0, source)
