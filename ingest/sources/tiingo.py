"""Tiingo end-of-day prices: US stocks and ETFs.

https://www.tiingo.com/documentation/end-of-day
The key travels in the `Authorization` header, never in the URL, and every reason this module
produces is scrubbed of it: reasons end up in logs, the database and API responses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import httpx

from ingest.sources.bars import Bar, FetchResult, FetchStatus, SourceName
from ingest.sources.budget import RequestBudget
from ingest.sources.client import get_with_retries
from ingest.sources.payload import (
    MalformedPayload,
    error_detail,
    parse_json,
    to_decimal,
    to_volume,
)
from ingest.sources.retry import RetryPolicy
from ingest.sources.source import SourceDisabled

BASE_URL = "https://api.tiingo.com"
DISABLED_MESSAGE = (
    "Tiingo is disabled: set TIINGO_API_KEY (environment or the PARAKEET_SECRETS_ARN secret) "
    "to fetch US prices"
)


def tiingo_symbol(ticker: str) -> str:
    """Tiingo spells share classes with a dash, like Yahoo: BRK.B -> BRK-B."""
    return ticker.strip().upper().replace(".", "-")


class TiingoSource:
    name = SourceName.TIINGO

    def __init__(
        self,
        api_key: str | None,
        client: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        base_url: str = BASE_URL,
    ) -> None:
        if not api_key or not api_key.strip():
            raise SourceDisabled(DISABLED_MESSAGE)
        self._api_key = api_key.strip()
        self._client = client
        self._retry = retry or RetryPolicy()
        self._base_url = base_url.rstrip("/")

    def __repr__(self) -> str:  # keep the key out of reprs and tracebacks
        return f"TiingoSource(base_url={self._base_url!r})"

    async def fetch(
        self,
        ticker: str,
        start: dt.date,
        end: dt.date,
        *,
        budget: RequestBudget | None = None,
    ) -> FetchResult:
        try:
            result = await self._fetch(ticker, start, end, budget or RequestBudget())
        except Exception as exc:  # a bug must not leak the key through fetch_many's net
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
            result = FetchResult(ticker, (), FetchStatus.FAILED, reason, 0, self.name)
        if self._api_key in result.reason:
            result = FetchResult(
                result.ticker,
                result.bars,
                result.status,
                result.reason.replace(self._api_key, "***"),
                result.requests_made,
                result.source,
            )
        return result

    async def _fetch(
        self, ticker: str, start: dt.date, end: dt.date, budget: RequestBudget
    ) -> FetchResult:
        url = f"{self._base_url}/tiingo/daily/{quote(tiingo_symbol(ticker), safe='')}/prices"
        outcome = await get_with_retries(
            self._client,
            url,
            params={
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "format": "json",
            },
            headers={"Authorization": f"Token {self._api_key}"},
            policy=self._retry,
            budget=budget,
        )
        made = outcome.requests_made

        def result(
            status: FetchStatus, reason: str = "", bars: tuple[Bar, ...] = ()
        ) -> FetchResult:
            return FetchResult(ticker, bars, status, reason, made, self.name)

        response = outcome.response
        if outcome.failure is not None or response is None:
            return result(FetchStatus.FAILED, f"Tiingo: {outcome.failure}")
        if response.status_code == 404:
            return result(FetchStatus.NOT_FOUND, f"Tiingo: {_detail(response)}")
        if response.status_code != 200:
            return result(
                FetchStatus.FAILED, f"Tiingo: HTTP {response.status_code}: {_detail(response)}"
            )
        try:
            bars = _bars(ticker, parse_json(response.content))
        except MalformedPayload as exc:
            return result(FetchStatus.FAILED, f"malformed JSON from Tiingo ({exc})")
        if not bars:
            return result(FetchStatus.EMPTY, f"Tiingo has no prices from {start} to {end}")
        return result(FetchStatus.OK, bars=bars)


def _detail(response: httpx.Response) -> str:
    return error_detail(response.content, ("detail",), ("message",), ("error",))


def _bars(ticker: str, payload: Any) -> tuple[Bar, ...]:
    if not isinstance(payload, list):
        raise MalformedPayload(f"expected a list of prices, got {type(payload).__name__}")
    bars = []
    for index, row in enumerate(payload):
        if not isinstance(row, dict):
            raise MalformedPayload(f"row {index} is not an object")
        day = _date(row.get("date"))
        if day is None:
            raise MalformedPayload(f"row {index} has no valid date")
        split_factor = to_decimal(row.get("splitFactor"))
        bars.append(
            Bar(
                ticker=ticker,
                date=day,
                open=to_decimal(row.get("open")),
                high=to_decimal(row.get("high")),
                low=to_decimal(row.get("low")),
                close=to_decimal(row.get("close")),
                adj_close=to_decimal(row.get("adjClose")),
                volume=to_volume(row.get("volume")),
                source=SourceName.TIINGO,
                split_event=split_factor is not None
                and split_factor.is_finite()
                and split_factor != 1,
            )
        )
    return tuple(bars)


def _date(value: object) -> dt.date | None:
    """Tiingo dates are midnight UTC of the trading day: "2024-01-02T00:00:00.000Z"."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
