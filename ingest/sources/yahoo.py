"""Yahoo Finance chart API: ASX stocks and ETFs, indices, crypto.

`GET /v8/finance/chart/{symbol}` answers one symbol per request with parallel arrays
(`timestamp`, `indicators.quote[0].open/high/low/close/volume`, `indicators.adjclose[0]`).
Daily timestamps are the session open in the exchange's timezone (10:00 in Sydney is the
previous day in UTC), so trading dates are read in `meta.exchangeTimezoneName`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
from ingest.sources.routing import exchange_timezone, normalise_ticker

BASE_URL = "https://query1.finance.yahoo.com"
# Yahoo throttles clients that do not look like a browser far more aggressively.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Parakeet/2.0"
NO_DATA_FOR_RANGE = "Data doesn't exist"


class YahooSource:
    name = SourceName.YAHOO

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        base_url: str = BASE_URL,
    ) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()
        self._base_url = base_url.rstrip("/")

    async def fetch(
        self,
        ticker: str,
        start: dt.date,
        end: dt.date,
        *,
        budget: RequestBudget | None = None,
    ) -> FetchResult:
        symbol = normalise_ticker(ticker)
        zone = exchange_timezone(symbol)
        outcome = await get_with_retries(
            self._client,
            f"{self._base_url}/v8/finance/chart/{quote(symbol, safe='')}",
            params={
                "period1": str(_epoch(start, zone)),
                "period2": str(_epoch(end + dt.timedelta(days=1), zone)),
                "interval": "1d",
                "events": "div,split",
            },
            headers={"User-Agent": USER_AGENT},
            policy=self._retry,
            budget=budget or RequestBudget(),
        )
        made = outcome.requests_made

        def result(
            status: FetchStatus, reason: str = "", bars: tuple[Bar, ...] = ()
        ) -> FetchResult:
            return FetchResult(ticker, bars, status, reason, made, self.name)

        response = outcome.response
        if outcome.failure is not None or response is None:
            return result(FetchStatus.FAILED, f"Yahoo: {outcome.failure}")
        if response.status_code == 404:
            return result(FetchStatus.NOT_FOUND, f"Yahoo: {_detail(response)}")
        if response.status_code != 200:
            detail = _detail(response)
            status = _error_status(_error_code(response.content), detail)
            if status is FetchStatus.FAILED:
                detail = f"HTTP {response.status_code}: {detail}"
            return result(status, f"Yahoo: {detail}")
        try:
            chart = _chart_result(parse_json(response.content))
            if chart is None:  # 200 carrying only `chart.error`
                detail = _detail(response)
                return result(
                    _error_status(_error_code(response.content), detail), f"Yahoo: {detail}"
                )
            bars = _bars(ticker, chart, start, end)
        except MalformedPayload as exc:
            return result(FetchStatus.FAILED, f"malformed JSON from Yahoo ({exc})")
        if not bars:
            return result(FetchStatus.EMPTY, f"Yahoo has no complete bars from {start} to {end}")
        return result(FetchStatus.OK, bars=bars)


def _epoch(day: dt.date, zone: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=zone).timestamp())


def _detail(response: httpx.Response) -> str:
    return error_detail(
        response.content, ("chart", "error", "description"), ("finance", "error", "description")
    )


def _error_code(body: bytes) -> str:
    try:
        payload = parse_json(body)
    except MalformedPayload:
        return ""
    chart = payload.get("chart") if isinstance(payload, dict) else None
    error = chart.get("error") if isinstance(chart, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else ""


def _error_status(code: str, detail: str) -> FetchStatus:
    if code == "Not Found":
        return FetchStatus.NOT_FOUND
    if detail.startswith(NO_DATA_FOR_RANGE):
        # Asked for a range before the listing (or after the last trade).
        return FetchStatus.EMPTY
    return FetchStatus.FAILED


def _chart_result(payload: Any) -> dict[str, Any] | None:
    """`chart.result[0]`, or None when Yahoo answered 200 with only an error."""
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        raise MalformedPayload("no 'chart' object")
    results = chart.get("result")
    if not results:
        return None
    if not isinstance(results, list) or not isinstance(results[0], dict):
        raise MalformedPayload("'chart.result' is not a list of objects")
    return results[0]


def _bars(ticker: str, chart: dict[str, Any], start: dt.date, end: dt.date) -> tuple[Bar, ...]:
    timestamps = chart.get("timestamp") or []
    if not timestamps:
        return ()
    zone = _timezone(chart.get("meta"), ticker)
    indicators = _object(chart.get("indicators"), "indicators")
    quote_rows = indicators.get("quote")
    if not isinstance(quote_rows, list) or not quote_rows:
        raise MalformedPayload("no 'indicators.quote'")
    quotes = _object(quote_rows[0], "indicators.quote[0]")
    columns = {
        name: _column(quotes.get(name), name, len(timestamps))
        for name in ("open", "high", "low", "close", "volume")
    }
    adj_rows = indicators.get("adjclose")
    adj_close = (
        _column(
            _object(adj_rows[0], "indicators.adjclose[0]").get("adjclose"),
            "adjclose",
            len(timestamps),
        )
        if isinstance(adj_rows, list) and adj_rows
        else [None] * len(timestamps)
    )
    split_days = _split_days(chart.get("events"), zone)

    bars: dict[dt.date, Bar] = {}
    for index, stamp in enumerate(timestamps):
        if not isinstance(stamp, int):
            raise MalformedPayload(f"timestamp {index} is not an integer")
        prices = [to_decimal(columns[name][index]) for name in ("open", "high", "low", "close")]
        if any(price is None for price in prices):
            continue  # Yahoo pads holidays and halts with nulls
        day = dt.datetime.fromtimestamp(stamp, zone).date()
        if not start <= day <= end:
            continue
        open_, high, low, close = prices
        # A second row for the same day is the live/latest snapshot: it wins.
        bars[day] = Bar(
            ticker=ticker,
            date=day,
            open=open_,
            high=high,
            low=low,
            close=close,
            adj_close=to_decimal(adj_close[index]),
            volume=to_volume(columns["volume"][index]),
            source=SourceName.YAHOO,
            split_event=day in split_days,
        )
    return tuple(bars[day] for day in sorted(bars))


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"'{where}' is not an object")
    return value


def _column(values: Any, name: str, length: int) -> list[Any]:
    if values is None:
        return [None] * length
    if not isinstance(values, list) or len(values) != length:
        raise MalformedPayload(f"'{name}' does not line up with 'timestamp'")
    return values


def _timezone(meta: Any, ticker: str) -> dt.tzinfo:
    if isinstance(meta, dict):
        name = meta.get("exchangeTimezoneName")
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        offset = meta.get("gmtoffset")
        if isinstance(offset, int):
            return dt.timezone(dt.timedelta(seconds=offset))
    return exchange_timezone(ticker)


def _split_days(events: Any, zone: dt.tzinfo) -> set[dt.date]:
    splits = events.get("splits") if isinstance(events, dict) else None
    if not isinstance(splits, dict):
        return set()
    days = set()
    for key, split in splits.items():
        stamp = split.get("date") if isinstance(split, dict) else None
        if not isinstance(stamp, int):
            stamp = int(key) if str(key).isdigit() else None
        if stamp is not None:
            days.add(dt.datetime.fromtimestamp(stamp, zone).date())
    return days
