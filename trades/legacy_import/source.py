"""Reading the old app's SQLite file: opened read-only, tables as column sets and rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TRADE_REQUIRED_COLUMNS = (
    "trade_id",
    "ticker",
    "direction",
    "quantity",
    "entry_price",
    "entry_date",
)
SNAPSHOT_REQUIRED_COLUMNS = ("timestamp", "total_value", "cash_balance", "invested_value")


class LegacyImportError(Exception):
    """The source cannot be imported at all (missing file, not SQLite, no trades table)."""


def open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise LegacyImportError(f"Legacy SQLite file not found: {path}")
    # mode=ro: the old journal is evidence; this import must never change it.
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
        connection.row_factory = sqlite3.Row
        connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise LegacyImportError(f"{path} is not a readable SQLite database: {exc}") from exc
    return connection


def table_columns(connection: sqlite3.Connection, table: str) -> set[str] | None:
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (table,)
    ).fetchone()
    if exists is None:
        return None
    return {row["name"] for row in connection.execute(f'PRAGMA table_info("{table}")')}


def table_rows(connection: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    order = "id" if "id" in (table_columns(connection, table) or set()) else "rowid"
    for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY {order}'):  # noqa: S608
        yield dict(row)
