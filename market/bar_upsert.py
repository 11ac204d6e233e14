"""Writing a batch of daily bars into ``market_data``, one way per database backend.

Both ways have the same contract: a new (ticker, date) is inserted, an existing one whose
values differ is updated (``updated_at`` moves), and an identical one is left alone
(``updated_at`` stays), so re-running an ingest changes nothing. Each returns, per ticker,
how many rows were inserted and updated; the rest of the batch was unchanged.

- PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT ... SELECT ... ON CONFLICT
  (ticker, date) DO UPDATE ... WHERE (...) IS DISTINCT FROM (...)``. Rows the WHERE filters
  out are not written at all; ``xmax = 0`` in ``RETURNING`` tells inserts from updates.
- SQLite: read the batch's existing rows, compare in Python, and send only new and changed
  rows through the ``INSERT ... ON CONFLICT (ticker, date) DO UPDATE`` statement that
  ``bulk_create(update_conflicts=True)`` would build, executed with ``executemany``.

Callers own batching and transactions (``market.services.upsert_bars``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.db import connection
from django.utils import timezone

from market.models import DataQuality

PRICE_QUANTUM: Final = Decimal("0.0001")
# The columns a bar is compared on: a difference in any of them is an update.
COMPARED_FIELDS: Final = (
    "open",
    "high",
    "low",
    "close",
    "adj_close",
    "volume",
    "source",
    "data_quality",
    "metadata",
)


@dataclass(frozen=True, slots=True)
class BarRow:
    """One bar to store. Prices are rounded half-up to 4 places, as NUMERIC(12,4) stores them."""

    ticker: str
    date: dt.date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    adj_close: Decimal | None
    volume: int
    source: str
    data_quality: str = DataQuality.GOOD
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TickerCounts:
    inserted: int = 0
    updated: int = 0


BatchResult = dict[str, TickerCounts]


def dedupe(rows: Sequence[BarRow]) -> list[BarRow]:
    """One row per (ticker, date), the last one given winning (the freshest snapshot)."""
    latest: dict[tuple[str, dt.date], BarRow] = {}
    for row in rows:
        latest[(row.ticker, row.date)] = row
    return list(latest.values())


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_STAGING_TABLE: Final = "market_data_incoming"
# ON COMMIT DROP keeps the temporary table inside one transaction, which is all a pooled
# connection in transaction mode (Neon, PgBouncer) guarantees to a session.
_PG_CREATE_STAGING: Final = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_STAGING_TABLE} (
    ticker varchar(20) NOT NULL,
    date date NOT NULL,
    open numeric(12, 4) NOT NULL,
    high numeric(12, 4) NOT NULL,
    low numeric(12, 4) NOT NULL,
    close numeric(12, 4) NOT NULL,
    adj_close numeric(12, 4),
    volume bigint NOT NULL,
    source varchar(10) NOT NULL,
    data_quality varchar(10) NOT NULL,
    metadata jsonb NOT NULL
) ON COMMIT DROP
"""
_PG_COLUMNS: Final = "ticker, date, open, high, low, close, adj_close, volume, source, " + (
    "data_quality, metadata"
)
_PG_ROW: Final = ", ".join(f"m.{name}" for name in COMPARED_FIELDS)
_PG_EXCLUDED: Final = ", ".join(f"EXCLUDED.{name}" for name in COMPARED_FIELDS)
_PG_SET: Final = ", ".join(f"{name} = EXCLUDED.{name}" for name in COMPARED_FIELDS)
# Built only from the constants above, never from input.
_PG_UPSERT: Final = f"""
WITH upserted AS (
    INSERT INTO market_data AS m ({_PG_COLUMNS}, created_at, updated_at)
    SELECT {_PG_COLUMNS}, statement_timestamp(), statement_timestamp()
    FROM {_PG_STAGING_TABLE}
    ORDER BY ticker, date
    ON CONFLICT (ticker, date) DO UPDATE SET {_PG_SET}, updated_at = EXCLUDED.updated_at
    WHERE ({_PG_ROW}) IS DISTINCT FROM ({_PG_EXCLUDED})
    RETURNING m.ticker, (m.xmax = 0) AS inserted
)
SELECT ticker,
       count(*) FILTER (WHERE inserted),
       count(*) FILTER (WHERE NOT inserted)
FROM upserted
GROUP BY ticker
"""  # noqa: S608
_EMPTY_JSON: Final = "{}"


def upsert_batch_postgresql(rows: Sequence[BarRow]) -> BatchResult:
    """Upsert deduplicated ``rows``; must run inside a transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_PG_CREATE_STAGING)
        # Left over from an earlier batch when an outer transaction keeps it alive.
        cursor.execute(f"TRUNCATE {_PG_STAGING_TABLE}")
        with cursor.copy(f"COPY {_PG_STAGING_TABLE} ({_PG_COLUMNS}) FROM STDIN") as copy:
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
                        json.dumps(row.metadata, sort_keys=True) if row.metadata else _EMPTY_JSON,
                    )
                )
        cursor.execute(_PG_UPSERT)
        return {
            ticker: TickerCounts(inserted=inserted, updated=updated)
            for ticker, inserted, updated in cursor.fetchall()
        }


# --- SQLite -------------------------------------------------------------------------------

_SQLITE_COLUMNS: Final = ("ticker", "date", *COMPARED_FIELDS, "created_at", "updated_at")
# The statement bulk_create(update_conflicts=True, unique_fields=["ticker", "date"],
# update_fields=[...]) generates, run through executemany with values adapted once: on the
# 106k-bar demo load the ORM's per-value preparation took ~25 s of a ~30 s insert.
_SQLITE_UPSERT: Final = (
    f"INSERT INTO market_data ({', '.join(_SQLITE_COLUMNS)}) "  # noqa: S608 (constants only)
    f"VALUES ({', '.join(['%s'] * len(_SQLITE_COLUMNS))}) "
    "ON CONFLICT (ticker, date) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in (*COMPARED_FIELDS, "updated_at"))
)
_SQLITE_EXISTING: Final = (
    f"SELECT ticker, date, {', '.join(COMPARED_FIELDS)} FROM market_data "  # noqa: S608
    "WHERE ticker IN ({tickers}) AND date >= %s AND date <= %s"
)


def _price(value: Decimal) -> Decimal:
    return value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)


def upsert_batch_sqlite(rows: Sequence[BarRow]) -> BatchResult:
    """Upsert deduplicated ``rows``; must run inside a transaction.

    The batch's existing rows are read first and compared value by value, and only new and
    changed rows are written, so an unchanged row keeps its ``updated_at``. SQLite holds a
    NUMERIC(12,4) value as the REAL nearest the rounded decimal, so that is what is compared.
    """
    if not rows:
        return {}
    tickers = sorted({row.ticker for row in rows})
    first = min(row.date for row in rows)
    last = max(row.date for row in rows)
    decoded: dict[str, Any] = {}  # most rows share a handful of metadata texts
    encoded: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            _SQLITE_EXISTING.format(tickers=", ".join(["%s"] * len(tickers))),
            [*tickers, first, last],
        )
        existing: dict[tuple[str, dt.date], tuple[Any, ...]] = {}
        for ticker, day, *values, metadata in cursor.fetchall():
            if metadata not in decoded:
                decoded[metadata] = json.loads(metadata)
            existing[(ticker, day)] = (*values, decoded[metadata])
        inserted: Counter[str] = Counter()
        updated: Counter[str] = Counter()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        to_write: list[tuple[Any, ...]] = []
        for row in rows:
            prices = [_price(row.open), _price(row.high), _price(row.low), _price(row.close)]
            adj_close = None if row.adj_close is None else _price(row.adj_close)
            compared = (
                *map(float, prices),
                None if adj_close is None else float(adj_close),
                row.volume,
                row.source,
                row.data_quality,
                row.metadata,
            )
            before = existing.get((row.ticker, row.date))
            if before is None:
                inserted[row.ticker] += 1
            elif before != compared:
                updated[row.ticker] += 1
            else:
                continue
            if id(row.metadata) not in encoded:
                encoded[id(row.metadata)] = json.dumps(dict(row.metadata))
            to_write.append(
                (
                    row.ticker,
                    row.date.isoformat(),
                    *(f"{price:f}" for price in prices),
                    None if adj_close is None else f"{adj_close:f}",
                    row.volume,
                    row.source,
                    row.data_quality,
                    encoded[id(row.metadata)],
                    now,
                    now,
                )
            )
        if to_write:
            cursor.executemany(_SQLITE_UPSERT, to_write)
    return {
        ticker: TickerCounts(inserted=inserted[ticker], updated=updated[ticker])
        for ticker in inserted.keys() | updated.keys()
    }
