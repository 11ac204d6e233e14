"""Reading a price matrix: the Parquet cache against the same query on the database.

    DJANGO_DEBUG=true .venv/bin/python benchmarks/price_matrix_read.py \\
        [--tickers 500] [--years 10] [--subset 50] [--repeats 5]

Builds a throwaway database (a new ``parakeet_bench_<random>`` database when ``DATABASE_URL``
is PostgreSQL, dropped at the end, the URL's own database untouched; otherwise a SQLite file
in a temporary directory) holding a universe ``BENCH`` of ``--tickers`` synthetic tickers with
``--years`` of business-day bars, builds its Parquet cache in local files under a temporary
directory, then times, as the median of ``--repeats`` runs:

- ``price_matrix(universe="BENCH")``: every ticker's close from the cache (manifest freshness
  check against the database, sha256 check, Parquet decode);
- ``price_matrix(tickers=[...])``: the same matrix from the database (``COPY ... TO STDOUT``
  parsed by pyarrow on PostgreSQL, the cursor on SQLite, then a pivot);
- the plain ORM way, ``values_list("date", "ticker", "close")`` into pandas and a pivot;
- the same two reads for ``--subset`` tickers (column projection on the cache side).

The cached and database matrices are checked to be equal before anything is timed. Ratios
are to the cache read in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED = 5
END = dt.date(2025, 12, 31)
UNIVERSE = "BENCH"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--subset", type=int, default=50, help="tickers in the narrow read")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if min(args.tickers, args.years, args.subset, args.repeats) < 1:
        parser.error("every count must be at least 1")
    args.subset = min(args.subset, args.tickers)
    return args


def business_days(years: int) -> list[dt.date]:
    start = END.replace(year=END.year - years)
    days, day = [], start
    while day <= END:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def generate(tickers: list[str], years: int) -> Iterator[Any]:
    import numpy as np

    from market.services import BarRow

    days = business_days(years)
    rng = np.random.default_rng(SEED)
    for ticker in tickers:
        close = rng.uniform(10, 300) * np.exp(np.cumsum(rng.normal(0.0003, 0.018, len(days))))
        spread = np.exp(np.abs(rng.normal(0, 0.008, len(days))))
        for i, day in enumerate(days):
            price = Decimal(f"{close[i]:.4f}")
            yield BarRow(
                ticker=ticker,
                date=day,
                open=price,
                high=Decimal(f"{close[i] * spread[i]:.4f}"),
                low=Decimal(f"{close[i] / spread[i]:.4f}"),
                close=price,
                adj_close=price,
                volume=1_000_000 + i,
                source="tiingo",
            )


# --- databases -------------------------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def throwaway_database(url: str, directory: Path) -> Iterator[str]:
    if not _is_postgres(url):
        yield f"sqlite:///{directory / 'bench.sqlite3'}"
        return
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
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        print(f"dropped throwaway PostgreSQL database {name}")


def configure_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "parakeet.settings",
            "DATABASE_URL": database_url,
            "DATABASE_DIRECT_URL": database_url,
            "PARAKEET_VAR_DIR": str(var_dir),  # the cache goes to var_dir/storage
        }
    )
    os.environ.pop("PARAKEET_S3_BUCKET", None)
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("PARAKEET_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)


# --- the benchmark ---------------------------------------------------------------------------


def populate(tickers: list[str], years: int) -> None:
    from market.models import IndexConstituent, Universe
    from market.services import upsert_bars

    started = time.perf_counter()
    counts = upsert_bars(rows=generate(tickers, years), batch_size=50_000)
    universe = Universe.objects.create(
        key=UNIVERSE, name="Benchmark", region="US", asset_class="equity", position=100
    )
    IndexConstituent.objects.bulk_create(
        IndexConstituent(universe=universe, ticker_id=t, start_date=dt.date(1990, 1, 2))
        for t in tickers
    )
    print(f"  loaded {counts.inserted:,} bars in {time.perf_counter() - started:.1f} s")


def median_seconds(action: Callable[[], Any], repeats: int) -> float:
    action()  # warm up (imports, connection, page cache)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def orm_matrix(tickers: list[str]) -> Any:
    import pandas as pd

    from market.models import DailyBar

    rows = DailyBar.objects.filter(ticker__ticker__in=tickers).values_list(
        "date", "ticker_id", "close"
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["date", "ticker", "close"])
    frame["close"] = frame["close"].astype("float64")
    return frame.pivot(index="date", columns="ticker", values="close")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tickers = [f"BN{n:04d}" for n in range(args.tickers)]
    subset = tickers[:: max(1, args.tickers // args.subset)][: args.subset]
    with (
        tempfile.TemporaryDirectory(prefix="parakeet-bench-") as temp,
        throwaway_database(os.environ.get("DATABASE_URL", ""), Path(temp)) as url,
    ):
        configure_django(url, Path(temp))
        import pandas as pd
        from django.db import connection

        from market.cache import rebuild_universe_cache
        from market.selectors import price_matrix

        days = len(business_days(args.years))
        print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
        print(f"{connection.vendor}: {args.tickers} tickers x {args.years} years ({days} days)")
        populate(tickers, args.years)
        started = time.perf_counter()
        manifest = rebuild_universe_cache(universe=UNIVERSE)
        size = manifest.files["close"].bytes / 1e6
        print(
            f"  built the Parquet cache (6 fields) in {time.perf_counter() - started:.1f} s; "
            f"close.parquet {size:.1f} MB"
        )

        cached = price_matrix(universe=UNIVERSE)
        direct = price_matrix(tickers=tickers)
        pd.testing.assert_frame_equal(cached, direct)
        assert cached.shape == (days, args.tickers), cached.shape

        reads = {
            f"cache, {args.tickers} tickers": lambda: price_matrix(universe=UNIVERSE),
            f"database, {args.tickers} tickers": lambda: price_matrix(tickers=tickers),
            f"ORM values_list + pivot, {args.tickers}": lambda: orm_matrix(tickers),
            f"cache, subset of {len(subset)}": lambda: price_matrix(
                universe=UNIVERSE, tickers=subset
            ),
            f"database, subset of {len(subset)}": lambda: price_matrix(tickers=subset),
        }
        timings = {label: median_seconds(read, args.repeats) for label, read in reads.items()}
        full_cache = timings[f"cache, {args.tickers} tickers"]
        subset_cache = timings[f"cache, subset of {len(subset)}"]
        print(f"\n  median of {args.repeats} reads of the close matrix:")
        for label, seconds in timings.items():
            base = subset_cache if "subset" in label else full_cache
            print(f"  {label:<36} {seconds * 1000:9.1f} ms  {seconds / base:6.1f}x cache")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
