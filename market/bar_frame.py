"""Reading bars out of ``market_data`` into pandas, fast on both backends.

The result is long: one row per (ticker, date), prices as float64 (analytics work in floats;
the database keeps the exact NUMERIC values). On PostgreSQL the rows leave the server as one
``COPY ... TO STDOUT`` CSV stream parsed by pyarrow, several times faster than fetching
millions of tuples through the cursor; SQLite is read through the cursor.

Imports pandas and pyarrow: only the Parquet cache and the benchmarks import this module.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection

from market.models import DataQuality

PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")


def _check_fields(fields: Sequence[str]) -> None:
    unknown = [name for name in fields if name not in PRICE_COLUMNS]
    if unknown:
        raise ValueError(f"unknown bar fields: {unknown}")


def empty_bars_frame(fields: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ticker": pd.Series([], dtype="object"),
            "date": pd.Series([], dtype="datetime64[ns]"),
            **{name: pd.Series([], dtype="float64") for name in fields},
        }
    )


def read_bars_frame(
    *,
    tickers: Sequence[str],
    fields: Sequence[str] = PRICE_COLUMNS,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Columns ``ticker``, ``date`` (datetime64) and ``fields`` (float64), sorted by ticker
    then date; ``start``/``end`` inclusive. Bars marked ``bad`` are left out: they stay in
    the table for the record but never feed an analysis."""
    _check_fields(fields)
    if not tickers:
        return empty_bars_frame(fields)
    if connection.vendor == "postgresql":
        frame = _read_postgresql(list(tickers), list(fields), start, end)
    else:
        frame = _read_sqlite(list(tickers), list(fields), start, end)
    if frame.empty:
        return empty_bars_frame(fields)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _read_postgresql(
    tickers: list[str], fields: list[str], start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    from psycopg import sql

    conditions = [
        sql.SQL("ticker = ANY({})").format(sql.Literal(tickers)),
        sql.SQL("data_quality <> {}").format(sql.Literal(DataQuality.BAD.value)),
    ]
    if start is not None:
        conditions.append(sql.SQL("date >= {}").format(sql.Literal(start)))
    if end is not None:
        conditions.append(sql.SQL("date <= {}").format(sql.Literal(end)))
    # COPY takes no bind parameters, so values go in as quoted literals.
    query = sql.SQL(
        "COPY (SELECT ticker, date, {columns} FROM market_data WHERE {where} "
        "ORDER BY ticker, date) TO STDOUT WITH (FORMAT csv)"
    ).format(
        columns=sql.SQL(", ").join(
            sql.SQL("{}::float8").format(sql.Identifier(name)) for name in fields
        ),
        where=sql.SQL(" AND ").join(conditions),
    )
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(query) as copy:
        for chunk in copy:
            buffer.write(chunk)
    if buffer.tell() == 0:
        return empty_bars_frame(fields)
    buffer.seek(0)
    names = ["ticker", "date", *fields]
    table = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(
            column_types={
                "ticker": pa.string(),
                "date": pa.date32(),
                **{name: pa.float64() for name in fields},
            },
            strings_can_be_null=False,
        ),
    )
    return table.to_pandas()


def _read_sqlite(
    tickers: list[str], fields: list[str], start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    placeholders = ", ".join(["%s"] * len(tickers))
    where = [f"ticker IN ({placeholders})", "data_quality <> %s"]
    params: list[str] = [*tickers, DataQuality.BAD.value]
    if start is not None:
        where.append("date >= %s")
        params.append(start.isoformat())
    if end is not None:
        where.append("date <= %s")
        params.append(end.isoformat())
    columns = ", ".join(f"CAST({name} AS REAL)" for name in fields)
    query = (
        f"SELECT ticker, date, {columns} FROM market_data "  # noqa: S608 (names are constants)
        f"WHERE {' AND '.join(where)} ORDER BY ticker, date"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["ticker", "date", *fields])
    for name in fields:
        frame[name] = frame[name].astype("float64")
    return frame
