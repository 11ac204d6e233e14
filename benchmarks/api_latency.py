"""API latency of the trades endpoints over a 10,000-trade journal, against a trivial view.

    DJANGO_DEBUG=true .venv/bin/python benchmarks/api_latency.py [--trades 10000] [--requests 200]

The journal lives in a throwaway database that this script creates and drops: with a
PostgreSQL ``DATABASE_URL`` a new database ``parakeet_bench_<random>`` on the same server
(the database named in the URL is never touched), otherwise a SQLite file in a temporary
directory. Requests go in-process through ``parakeet.wsgi.application`` (the same WSGI
entry point apig-wsgi calls on Lambda), with a plain WSGI environ, so the numbers include
middleware, routing, the adrf async views run under WSGI, the ORM and JSON rendering, but
no network or server. ``/health`` (no database) is measured in the same run as the baseline;
the table shows p50/p95 per endpoint and their ratio to the baseline's.

Settings: DEBUG is switched off once Django is set up (so queries are not recorded, as in
production), ``PARAKEET_AUTH_REQUIRED`` is off (token checks are not what is measured) and
the per-request access log is silenced (it would cost every endpoint alike).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ("/health", "")
ENDPOINTS = (
    ("/api/trades/", "page_size=50"),
    ("/api/trades/metrics/portfolio", ""),
    ("/api/trades/metrics/dashboard", ""),
    ("/api/trades/metrics/by-ticker", ""),
)
SEED = 7


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--trades", type=int, default=10_000, help="trades in the journal")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per endpoint")
    args = parser.parse_args(argv)
    if args.trades < 1 or args.requests < 2 or args.warmup < 0:
        parser.error("--trades must be >= 1, --requests >= 2 and --warmup >= 0")
    return args


# --- the throwaway database ----------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def throwaway_postgres(url: str) -> Iterator[str]:
    """Create ``parakeet_bench_<hex>`` on the server of ``url``; drop it afterwards."""
    import psycopg
    from psycopg import sql

    name = f"parakeet_bench_{secrets.token_hex(4)}"
    maintenance = _with_database(url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created throwaway PostgreSQL database {name}")
    try:
        yield _with_database(url, name)
    finally:
        close_django_connections()
        with psycopg.connect(maintenance, autocommit=True) as admin:
            force = " WITH (FORCE)" if admin.info.server_version >= 130000 else ""
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(name))
            )
        print(f"dropped throwaway PostgreSQL database {name}")


@contextmanager
def throwaway_sqlite(directory: Path) -> Iterator[str]:
    try:
        yield f"sqlite:///{directory / 'bench.sqlite3'}"
    finally:
        close_django_connections()


def close_django_connections() -> None:
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()


def configure_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "parakeet.settings",
            "DATABASE_URL": database_url,
            "DATABASE_DIRECT_URL": database_url,
            "PARAKEET_VAR_DIR": str(var_dir),
            "PARAKEET_AUTH_REQUIRED": "false",
            "PARAKEET_TASKS_BACKEND": "immediate",
        }
    )
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("PARAKEET_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False


# --- the journal ---------------------------------------------------------------------------


def populate(count: int, *, now: datetime) -> dict[str, int]:
    """``count`` trades over three years: ~70 % closed, ~25 % open, ~5 % cancelled."""
    from trades.models import Trade, TradeStatus
    from trades.services import refresh_pnl

    rng = random.Random(SEED)
    tickers = [f"US{n:03d}" for n in range(40)] + [f"AU{n:02d}.AX" for n in range(10)]
    strategies = ["dual_momentum", "momentum", "residual_momentum", "mean_reversion", "hrp"]
    trades: list[Trade] = []
    for n in range(1, count + 1):
        entry_date = now - timedelta(days=rng.uniform(1, 3 * 365))
        entry_price = Decimal(str(round(rng.uniform(5, 500), 2)))
        draw = rng.random()
        status = (
            TradeStatus.CLOSED
            if draw < 0.70
            else TradeStatus.OPEN
            if draw < 0.95
            else TradeStatus.CANCELLED
        )
        trade = Trade(
            trade_id=f"BENCH-{n:06d}",
            ticker=rng.choice(tickers),
            direction="BUY" if rng.random() < 0.8 else "SELL",
            quantity=Decimal(rng.randint(1, 500)),
            entry_price=entry_price,
            entry_date=entry_date,
            strategy_name=rng.choice(strategies),
            signal_score=round(rng.random(), 2),
            status=status,
            event_timestamp=entry_date,
        )
        if status == TradeStatus.CLOSED:
            trade.exit_date = min(now, entry_date + timedelta(days=rng.uniform(1, 200)))
            trade.exit_price = Decimal(str(round(float(entry_price) * rng.uniform(0.7, 1.4), 2)))
            trade.event_timestamp = trade.exit_date
        refresh_pnl(trade=trade)
        trades.append(trade)
    Trade.objects.bulk_create(trades, batch_size=1000)
    return {
        status: Trade.objects.filter(status=status).count()
        for status in (TradeStatus.OPEN, TradeStatus.CLOSED, TradeStatus.CANCELLED)
    }


# --- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    label: str
    p50_ms: float
    p95_ms: float


def wsgi_get(app: Callable[..., Any], path: str, query: str) -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_ACCEPT": "application/json",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(line)

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return status[0], body


def measure(
    app: Callable[..., Any], path: str, query: str, *, requests: int, warmup: int
) -> Timing:
    label = f"GET {path}{'?' + query if query else ''}"
    for _ in range(warmup):
        wsgi_get(app, path, query)
    samples: list[float] = []
    for _ in range(requests):
        start = time.perf_counter()
        status, body = wsgi_get(app, path, query)
        samples.append((time.perf_counter() - start) * 1000)
        if not status.startswith("200"):
            raise SystemExit(f"{label} answered {status}: {body[:300]!r}")
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Timing(label, p50_ms=cuts[49], p95_ms=cuts[94])


def check_list(app: Callable[..., Any], expected_total: int) -> None:
    status, body = wsgi_get(app, *ENDPOINTS[0])
    payload = json.loads(body)
    if not status.startswith("200") or payload.get("total") != expected_total:
        raise SystemExit(f"unexpected trade list ({status}): total={payload.get('total')}")
    if len(payload["trades"]) != min(50, expected_total):
        raise SystemExit(f"unexpected page size: {len(payload['trades'])}")


def print_table(timings: list[Timing]) -> None:
    base = timings[0]
    width = max(len(t.label) for t in timings) + 2
    header = f"{'endpoint':<{width}}{'p50 ms':>10}{'p95 ms':>10}{'p50 x':>9}{'p95 x':>9}"
    print(header)
    print("-" * len(header))
    for timing in timings:
        label = timing.label + (" (baseline)" if timing is base else "")
        width_here = max(width, len(label) + 1)
        print(
            f"{label:<{width_here}}{timing.p50_ms:>10.2f}{timing.p95_ms:>10.2f}"
            f"{timing.p50_ms / base.p50_ms:>9.1f}{timing.p95_ms / base.p95_ms:>9.1f}"
        )


def run(args: argparse.Namespace) -> None:
    source_url = os.environ.get("DATABASE_URL", "").strip()
    with tempfile.TemporaryDirectory(prefix="parakeet-bench-") as tmp:
        tmp_dir = Path(tmp)
        database = (
            throwaway_postgres(source_url)
            if _is_postgres(source_url)
            else throwaway_sqlite(tmp_dir)
        )
        with database as url:
            started = time.perf_counter()
            configure_django(url, tmp_dir / "var")
            from django.core.management import call_command
            from django.db import connection

            call_command("migrate", verbosity=0, interactive=False)
            migrated = time.perf_counter()
            counts = populate(args.trades, now=datetime.now(UTC))
            populated = time.perf_counter()

            from parakeet.wsgi import application

            # After the WSGI module's django.setup() has applied LOGGING: one access-log
            # line per request would flood the terminal (it costs every endpoint, the
            # baseline included, alike); the table is the output.
            logging.getLogger("parakeet.requests").setLevel(logging.WARNING)
            check_list(application, args.trades)
            timings = [
                measure(application, *endpoint, requests=args.requests, warmup=args.warmup)
                for endpoint in (BASELINE, *ENDPOINTS)
            ]
            vendor = connection.vendor
            import django

            print()
            print(
                f"{args.trades} trades ({counts['OPEN']} open, {counts['CLOSED']} closed, "
                f"{counts['CANCELLED']} cancelled) on {vendor}; {args.requests} timed requests "
                f"per endpoint after {args.warmup} warm-up; in-process WSGI"
            )
            print(
                f"Python {platform.python_version()}, Django {django.get_version()}; "
                f"migrate {migrated - started:.1f} s, populate {populated - migrated:.1f} s"
            )
            print()
            print_table(timings)
            print()


if __name__ == "__main__":
    run(parse_args())
