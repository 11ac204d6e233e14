"""Bulk upsert of daily bars: ``market.services.upsert_bars`` against a raw ``COPY`` floor.

    DATABASE_URL=postgres://... DJANGO_DEBUG=true .venv/bin/python benchmarks/bulk_upsert.py \\
        [--tickers 500] [--years 20] [--batch-size 20000] [--sqlite-tickers 100]

PostgreSQL part (needs a PostgreSQL ``DATABASE_URL``; the role needs ``CREATEDB``): in a
throwaway database ``parakeet_bench_<random>`` (created, migrated, dropped at the end; the
database named in the URL is never touched) it times, for ``--tickers`` x ``--years`` of
business-day bars (500 x 20 = 2.6M rows):

1. ``COPY`` of the rows into an UNLOGGED copy of ``market_data`` (same columns, indexes and
   CHECK constraints; ``CREATE UNLOGGED TABLE ... (LIKE market_data INCLUDING ALL)``): the
   floor for getting these rows into PostgreSQL at all;
2. ``upsert_bars`` into the real (logged) ``market_data``: COPY to a temporary table, then
   ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... IS DISTINCT FROM``, a transaction per batch;
3. ``upsert_bars`` of the same rows again, which must find every row unchanged and write none.

SQLite part (always runs, in a temporary file): ``upsert_bars`` of ``--sqlite-tickers`` x
``--years`` (smaller by default: SQLite is the laptop path), then the same rows again.

Rows come from a seeded generator and are built once per part (that time is shown but not
counted): every step writes the same ``BarRow`` list, as the ingest command hands it over.
Ratios are to the COPY floor measured in the same run. Holding 2.6M rows takes ~1.5 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED = 11
END = dt.date(2025, 12, 31)
NO_METADATA: dict[str, Any] = {}  # one shared object: millions of empty dicts cost ~150 MB


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tickers", type=int, default=500, help="tickers (PostgreSQL part)")
    parser.add_argument("--years", type=int, default=20, help="years of business days")
    parser.add_argument("--batch-size", type=int, default=20_000, help="upsert batch size")
    parser.add_argument("--sqlite-tickers", type=int, default=100, help="tickers (SQLite part)")
    args = parser.parse_args(argv)
    if min(args.tickers, args.years, args.batch_size, args.sqlite_tickers) < 1:
        parser.error("every count must be at least 1")
    return args


# --- rows ------------------------------------------------------------------------------------


def business_days(years: int) -> list[dt.date]:
    start = END.replace(year=END.year - years)
    days, day = [], start
    while day <= END:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def generate(tickers: int, years: int) -> Iterator[Any]:
    """Seeded geometric Brownian motion per ticker, valid OHLC, NUMERIC(12,4) prices."""
    import numpy as np

    from market.services import BarRow

    days = business_days(years)
    rng = np.random.default_rng(SEED)
    for n in range(tickers):
        ticker = f"BN{n:04d}"
        returns = rng.normal(0.0003, 0.018, len(days))
        close = rng.uniform(10, 300) * np.exp(np.cumsum(returns))
        open_ = close * np.exp(rng.normal(0, 0.006, len(days)))
        high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.008, len(days))))
        low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.008, len(days))))
        volume = rng.lognormal(14, 0.5, len(days)).astype(np.int64)
        for i, day in enumerate(days):
            price = Decimal(f"{close[i]:.4f}")
            yield BarRow(
                ticker=ticker,
                date=day,
                open=Decimal(f"{open_[i]:.4f}"),
                high=Decimal(f"{high[i]:.4f}"),
                low=Decimal(f"{low[i]:.4f}"),
                close=price,
                adj_close=price,
                volume=int(volume[i]),
                source="tiingo",
                metadata=NO_METADATA,
            )


# --- databases -------------------------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def throwaway_postgres(url: str) -> Iterator[str]:
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
        from django.db import connections

        connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        print(f"dropped throwaway PostgreSQL database {name}")


def use_database(url: str) -> None:
    """Point Django's default connection at ``url`` and migrate it."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from parakeet.env import database_config

    connections.close_all()
    configured = connections.configure_settings({"default": database_config(url, conn_max_age=0)})
    settings.DATABASES["default"] = connections.settings["default"] = configured["default"]
    del connections["default"]  # the next use connects with the new settings
    call_command("migrate", verbosity=0)


def configure_django(var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "parakeet.settings",
            "PARAKEET_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'unused.sqlite3'}",
        }
    )
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("PARAKEET_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # do not record millions of queries


# --- steps -----------------------------------------------------------------------------------


def timed(label: str, rows: int, action: Any) -> float:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    suffix = f"  -> {result}" if result is not None else ""
    print(f"  {label:<44} {seconds:8.2f} s  {rows / seconds:>12,.0f} rows/s{suffix}")
    return seconds


def copy_floor(rows: Iterable[Any]) -> None:
    from django.db import connection, transaction

    columns = (
        "ticker, date, open, high, low, close, adj_close, volume, source, data_quality, "
        "metadata, created_at, updated_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS market_data_floor")
        cursor.execute("CREATE UNLOGGED TABLE market_data_floor (LIKE market_data INCLUDING ALL)")
        with cursor.copy(f"COPY market_data_floor ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        row.ticker,
                        row.date,
                        row.open,
                        row.high,
                        row.low,
                        row.close,
                        row.adj_close,
                        row.volume,
                        row.source,
                        row.data_quality,
                        "{}",
                        "now",
                        "now",
                    )
                )


def build_rows(tickers: int, years: int) -> list[Any]:
    built: list[list[Any]] = []
    count = tickers * len(business_days(years))
    timed(
        "building the rows in Python (not in the timings below)",
        count,
        lambda: built.append(list(generate(tickers, years))),
    )
    return built[0]


def run_postgres(args: argparse.Namespace, url: str) -> None:
    from django.db import connection

    from market.models import DailyBar
    from market.services import UpsertCounts, upsert_bars

    print(f"\nPostgreSQL {connection_version(url)}: {args.tickers} tickers x {args.years} years")
    rows = build_rows(args.tickers, args.years)
    print(f"  = {len(rows):,} rows, batch size {args.batch_size:,}")
    with throwaway_postgres(url) as bench_url:
        use_database(bench_url)
        floor = timed("raw COPY into an UNLOGGED copy (floor)", len(rows), lambda: copy_floor(rows))
        first = timed(
            "upsert_bars, empty table",
            len(rows),
            lambda: upsert_bars(rows=rows, batch_size=args.batch_size),
        )
        assert DailyBar.objects.count() == len(rows)
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(updated_at) FROM market_data")
            (stamp,) = cursor.fetchone()
        again_counts: list[UpsertCounts] = []
        again = timed(
            "upsert_bars, same rows again (all unchanged)",
            len(rows),
            lambda: again_counts.append(upsert_bars(rows=rows, batch_size=args.batch_size)),
        )
        assert again_counts == [UpsertCounts(unchanged=len(rows))], again_counts
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(updated_at) FROM market_data")
            assert cursor.fetchone() == (stamp,), "an unchanged row was rewritten"
        print(f"  upsert / COPY floor: {first / floor:.2f}x")
        print(f"  re-run / COPY floor: {again / floor:.2f}x")


def run_sqlite(args: argparse.Namespace, directory: Path) -> None:
    from market.services import UpsertCounts, upsert_bars

    print(f"\nSQLite: {args.sqlite_tickers} tickers x {args.years} years")
    rows = build_rows(args.sqlite_tickers, args.years)
    print(f"  = {len(rows):,} rows, batch size {args.batch_size:,}")
    use_database(f"sqlite:///{directory / 'bench.sqlite3'}")
    first = timed(
        "upsert_bars, empty table",
        len(rows),
        lambda: upsert_bars(rows=rows, batch_size=args.batch_size),
    )
    counts: list[UpsertCounts] = []
    again = timed(
        "upsert_bars, same rows again (all unchanged)",
        len(rows),
        lambda: counts.append(upsert_bars(rows=rows, batch_size=args.batch_size)),
    )
    assert counts == [UpsertCounts(unchanged=len(rows))], counts
    print(f"  re-run / first load: {again / first:.2f}x")


def connection_version(url: str) -> str:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres")) as conn:
        version = conn.info.server_version
    return f"{version // 10000}.{version % 10000}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="parakeet-bench-") as temp:
        configure_django(Path(temp))
        print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
        if _is_postgres(database_url):
            run_postgres(args, database_url)
        else:
            print("\nPostgreSQL part skipped: set DATABASE_URL to a PostgreSQL server.")
        run_sqlite(args, Path(temp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
