"""Ingest throughput: 500 tickers through the real ingest path against a fake Tiingo that
answers every request after 50 ms, against the ideal 500 x 50 ms / concurrency.

    DJANGO_DEBUG=true .venv/bin/python benchmarks/ingest_throughput.py \\
        [--tickers 500] [--latency-ms 50] [--concurrency 8 16] [--days 30] [--server]

Builds a throwaway database (a new ``parakeet_bench_<random>`` database when ``DATABASE_URL``
is PostgreSQL, dropped at the end, the URL's own database untouched; otherwise a SQLite file
in a temporary directory), then, for each ``--concurrency``, runs what ``manage.py ingest
--tickers ... --lookback-days N --concurrency C --no-cache-rebuild`` runs (``prepare_ingest``,
``create_run``, ``execute_run``: the one async httpx client, the semaphore, the Tiingo source
with its retry policy and request budget, validation, the batched ``upsert_bars`` on the
caller's thread while the next tickers download, the ``IngestRun`` audit) three times:

1. first ingest: every bar is new (``--days`` of weekdays per ticker, inserted);
2. the same ingest again: every bar unchanged (the daily re-run; nothing written);
3. a dry run: fetch and validate only, so the write path's share shows.

Only the HTTP boundary is fake: an ``httpx.MockTransport`` whose async handler sleeps
``--latency-ms`` and returns a Tiingo-shaped JSON price list for the requested range. With
``--server`` the requests go over real sockets instead, to a keep-alive HTTP/1.1 server in a
child process (same latency and body), through httpx's own connection pool sized like the
production client's. Each concurrency gets its own tickers, so every first ingest inserts
into the same kind of table. The transport counts requests and the most in flight at once.

Ideal = tickers x latency / concurrency (perfect overlap, zero cost per ticker); the ratio
wall / ideal is printed per run. Every run must end completed with every ticker stored
(checked), one request per ticker.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
from bulk_upsert import _is_postgres, configure_django, throwaway_postgres, use_database

BENCH_KEY = "bench-tiingo-key"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--days", type=int, default=30, help="lookback window per ticker")
    parser.add_argument(
        "--server", action="store_true", help="a local HTTP server instead of a MockTransport"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args(argv)
    if min(args.tickers, args.days, *args.concurrency) < 1 or args.latency_ms <= 0:
        parser.error("counts must be at least 1 and the latency above 0")
    if max(args.concurrency) > 64:
        parser.error("the ingest command allows a concurrency of at most 64")
    return args


# --- the fake Tiingo ---------------------------------------------------------------------------


def tiingo_body(target: str) -> bytes:
    """``GET /tiingo/daily/{ticker}/prices?startDate=&endDate=`` answered like Tiingo: one
    row per weekday of the range, valid OHLC, deterministic per ticker."""
    parts = urlsplit(target)
    ticker = unquote(parts.path.split("/")[3])
    query = parse_qs(parts.query)
    start = dt.date.fromisoformat(query["startDate"][0])
    end = dt.date.fromisoformat(query["endDate"][0])
    base = 20.0 + zlib.crc32(ticker.encode()) % 280
    rows, day, index = [], start, 0
    while day <= end:
        if day.weekday() < 5:
            close = round(base * (1 + 0.002 * ((index * 7) % 11 - 5)), 2)
            rows.append(
                {
                    "date": f"{day.isoformat()}T00:00:00.000Z",
                    "close": close,
                    "high": round(close * 1.01, 2),
                    "low": round(close * 0.99, 2),
                    "open": round(close * 0.995, 2),
                    "volume": 1_000_000 + index,
                    "adjClose": close,
                    "adjHigh": round(close * 1.01, 2),
                    "adjLow": round(close * 0.99, 2),
                    "adjOpen": round(close * 0.995, 2),
                    "adjVolume": 1_000_000 + index,
                    "divCash": 0.0,
                    "splitFactor": 1.0,
                }
            )
            index += 1
        day += dt.timedelta(days=1)
    return json.dumps(rows).encode()


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts requests and the most in flight at once, around the real fake."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def mock_transport(latency: float) -> httpx.AsyncBaseTransport:
    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(latency)
        target = request.url.raw_path.decode()
        return httpx.Response(
            200, content=tiingo_body(target), headers={"Content-Type": "application/json"}
        )

    return httpx.MockTransport(answer)


class LocalServerTransport(httpx.AsyncBaseTransport):
    """httpx's real transport (connection pool, sockets, HTTP/1.1) aimed at the local server."""

    def __init__(self, port: int, concurrency: int) -> None:
        from ingest.sources.client import client_limits

        self.port = port
        self.inner = httpx.AsyncHTTPTransport(limits=client_limits(2 * concurrency))
        self.connections = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        request.extensions = {**request.extensions, "trace": self._trace}
        return await self.inner.handle_async_request(request)

    async def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            self.connections += 1

    async def aclose(self) -> None:
        await self.inner.aclose()


async def serve(latency: float) -> None:
    """The child process: a keep-alive HTTP/1.1 server on a free port (printed first)."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode()
                await asyncio.sleep(latency)
                body = tiingo_body(target)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


@contextmanager
def local_server(latency_ms: float) -> Iterator[int]:
    child = subprocess.Popen(  # this very script, as the server
        [sys.executable, __file__, "--serve", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield int(child.stdout.readline())
    finally:
        child.terminate()
        child.wait(timeout=10)


# --- runs ------------------------------------------------------------------------------------


def ingest(
    tickers: list[str], *, days: int, concurrency: int, dry_run: bool, transport: CountingTransport
) -> tuple[float, Any]:
    """What ``manage.py ingest`` does between parsing its arguments and printing."""
    from ingest.planning import IngestParameters, Trigger
    from ingest.services import create_run, execute_run, prepare_ingest
    from ingest.transport import use_transport

    parameters = IngestParameters(
        tickers=tuple(tickers),
        lookback_days=days,
        concurrency=concurrency,
        dry_run=dry_run,
        rebuild_cache=False,
        trigger=Trigger.COMMAND,
    )
    with use_transport(transport):
        started = time.perf_counter()
        plan = prepare_ingest(parameters=parameters)
        summary = execute_run(run=create_run(parameters=parameters), plan=plan)
        seconds = time.perf_counter() - started
    assert summary.status == "completed", summary.message
    assert summary.succeeded == len(tickers), summary.message
    assert transport.requests == len(tickers), transport.requests
    return seconds, summary


def run_concurrency(args: argparse.Namespace, concurrency: int, port: int | None) -> None:
    latency = args.latency_ms / 1000
    tickers = [f"C{concurrency:02d}N{n:04d}" for n in range(args.tickers)]
    ideal = args.tickers * latency / concurrency
    print(
        f"\nconcurrency {concurrency}: ideal {args.tickers} x {args.latency_ms:g} ms / "
        f"{concurrency} = {ideal:.2f} s"
    )
    steps = [
        ("first ingest (every bar new)", False, "inserted"),
        ("same ingest again (every bar unchanged)", False, "unchanged"),
        ("dry run (fetch + validate, no writes)", True, "fetched"),
    ]
    for label, dry_run, counted in steps:
        inner = mock_transport(latency) if port is None else LocalServerTransport(port, concurrency)
        transport = CountingTransport(inner)
        seconds, summary = ingest(
            tickers, days=args.days, concurrency=concurrency, dry_run=dry_run, transport=transport
        )
        rows = {
            "inserted": summary.rows_inserted,
            "unchanged": summary.rows_unchanged,
            "fetched": summary.bars_fetched,
        }[counted]
        print(
            f"  {label:<40} {seconds:6.2f} s  {seconds / ideal:5.2f}x ideal  "
            f"{args.tickers / seconds:6.0f} tickers/s  {rows:>7,} rows {counted}  "
            f"max in flight {transport.max_in_flight}"
            + (
                f", {inner.connections} connections"
                if isinstance(inner, LocalServerTransport)
                else ""
            )
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        asyncio.run(serve(args.latency_ms / 1000))
        return 0
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="parakeet-bench-") as temp:
        configure_django(Path(temp))
        from django.conf import settings

        settings.TIINGO_API_KEY = BENCH_KEY
        print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
        fake = (
            "a keep-alive HTTP/1.1 server in a child process (real sockets)"
            if args.server
            else "an in-process httpx.MockTransport"
        )
        print(
            f"{args.tickers} tickers x {args.days} days of bars, fake Tiingo answering after "
            f"{args.latency_ms:g} ms: {fake}"
        )
        with local_server(args.latency_ms) if args.server else _no_server() as port:
            if _is_postgres(database_url):
                with throwaway_postgres(database_url) as bench_url:
                    use_database(bench_url)
                    print("database: throwaway PostgreSQL database")
                    for concurrency in args.concurrency:
                        run_concurrency(args, concurrency, port)
            else:
                use_database(f"sqlite:///{Path(temp) / 'bench.sqlite3'}")
                print("database: SQLite file in a temporary directory")
                for concurrency in args.concurrency:
                    run_concurrency(args, concurrency, port)
    return 0


@contextmanager
def _no_server() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    raise SystemExit(main())
