"""A fake of both vendor APIs for end-to-end ingest tests: Tiingo and Yahoo answer from a
small in-memory price history, in their real payload shapes (``payloads.tiingo`` and
``payloads.yahoo``), honouring the requested date range.

Install it for every ingest run in a block with ``market.installed()``; it is an
``httpx.MockTransport`` under ``ingest.transport.use_transport``, so the command, the task and
the refresh endpoint all go through the real sources, validation and storage code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import httpx

from ingest.sources.routing import exchange_timezone
from ingest.tests.payloads import tiingo, yahoo
from ingest.tests.payloads.fake_http import (
    Answer,
    FakeApi,
    SleepRecorder,
    fast_retry,
    json_response,
)
from ingest.transport import use_transport

TIINGO_HOST = "api.tiingo.com"
TEST_TIINGO_KEY = "tk_test_key_for_ingest_runs"


def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class Row:
    day: dt.date
    open: float
    high: float
    low: float
    close: float
    volume: int
    adj_close: float


def price_history(start: dt.date, end: dt.date, *, base: float = 100.0) -> list[Row]:
    """A deterministic, valid daily series on weekdays (prices with 2 decimals)."""
    rows = []
    for index, day in enumerate(weekdays(start, end)):
        close = round(base + index * 0.5, 2)
        rows.append(
            Row(
                day=day,
                open=round(close - 0.25, 2),
                high=round(close + 1, 2),
                low=round(close - 1, 2),
                close=close,
                volume=1_000_000 + index,
                adj_close=round(close * 0.98, 4),
            )
        )
    return rows


@dataclass
class FakeMarket:
    """Per-ticker histories; ``not_found`` answer 404, ``broken`` answer HTTP 500.

    ``scripted[ticker]`` answers that ticker's requests in order instead (a response, an
    exception the transport raises such as ``httpx.ReadTimeout``, or a function of the
    request); the last one repeats. Retry waits are recorded in ``sleeps``, never slept.
    """

    history: dict[str, list[Row]] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    scripted: dict[str, list[Answer | Callable[[httpx.Request], Answer]]] = field(
        default_factory=dict
    )
    sleeps: SleepRecorder = field(default_factory=SleepRecorder)
    api: FakeApi = field(init=False)

    def __post_init__(self) -> None:
        self.api = FakeApi(respond=self.respond)

    @property
    def requests(self) -> list[httpx.Request]:
        return self.api.requests

    def requests_for(self, ticker: str) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if _symbol(r) == ticker.replace(".", "-") or _symbol(r) == ticker
        ]

    def add(self, ticker: str, start: dt.date, end: dt.date, *, base: float = 100.0) -> None:
        self.history[ticker] = price_history(start, end, base=base)

    @contextmanager
    def installed(self) -> Iterator[FakeMarket]:
        retry = fast_retry(max_attempts=2, sleep=self.sleeps)
        with use_transport(httpx.MockTransport(self.api), retry=retry):
            yield self

    def respond(self, request: httpx.Request) -> Answer:
        symbol = _symbol(request)
        script = self.scripted.get(self._ticker(symbol))
        if script:
            answer = script.pop(0) if len(script) > 1 else script[0]
            return answer(request) if callable(answer) else answer
        return self.unscripted(request)

    def unscripted(self, request: httpx.Request) -> httpx.Response:
        """What the fake answers from its histories (for scripts that end in real data)."""
        symbol = _symbol(request)
        if request.url.host == TIINGO_HOST:
            return self._tiingo(request, symbol)
        return self._yahoo(request, symbol)

    def _ticker(self, symbol: str) -> str:
        known = self.history.keys() | self.not_found | self.broken | self.scripted.keys()
        if symbol in known:
            return symbol
        dotted = symbol.replace("-", ".")  # Tiingo spells BRK.B as BRK-B
        return dotted if dotted in self.history else symbol

    def _tiingo(self, request: httpx.Request, symbol: str) -> httpx.Response:
        ticker = self._ticker(symbol)
        if ticker in self.broken:
            return httpx.Response(500, text="Internal Server Error")
        if ticker in self.not_found or ticker not in self.history:
            return json_response(404, tiingo.not_found(symbol))
        start = dt.date.fromisoformat(request.url.params["startDate"])
        end = dt.date.fromisoformat(request.url.params["endDate"])
        rows = [r for r in self.history[ticker] if start <= r.day <= end]
        return json_response(
            200,
            [
                tiingo.tiingo_row(
                    r.day.isoformat(),
                    open=r.open,
                    high=r.high,
                    low=r.low,
                    close=r.close,
                    volume=r.volume,
                    adj_close=r.adj_close,
                )
                for r in rows
            ],
        )

    def _yahoo(self, request: httpx.Request, symbol: str) -> httpx.Response:
        ticker = self._ticker(symbol)
        if ticker in self.broken:
            return httpx.Response(500, text="Internal Server Error")
        if ticker in self.not_found or ticker not in self.history:
            return json_response(404, yahoo.NOT_FOUND)
        zone = exchange_timezone(ticker)
        start = dt.datetime.fromtimestamp(int(request.url.params["period1"]), zone).date()
        end_exclusive = dt.datetime.fromtimestamp(int(request.url.params["period2"]), zone).date()
        rows = [r for r in self.history[ticker] if start <= r.day < end_exclusive]
        session = "10:00" if zone == ZoneInfo("Australia/Sydney") else "09:30"
        return json_response(
            200,
            yahoo.chart(
                ticker,
                [
                    (
                        r.day.isoformat(),
                        session,
                        r.open,
                        r.high,
                        r.low,
                        r.close,
                        r.volume,
                        r.adj_close,
                    )
                    for r in rows
                ],
                zone=zone.key,
                currency="AUD" if ticker.endswith(".AX") else "USD",
            ),
        )


def _symbol(request: httpx.Request) -> str:
    parts = request.url.path.split("/")
    if request.url.host == TIINGO_HOST:  # /tiingo/daily/{ticker}/prices
        return unquote(parts[3]).upper()
    return unquote(parts[-1]).upper()  # /v8/finance/chart/{symbol}
