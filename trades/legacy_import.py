"""Import the old app's SQLite journal (``trades`` and ``portfolio_snapshots``) into Parakeet.

The source file is opened read-only. Rows are validated one by one: a bad row is reported
with its old ``id`` and the reason, and the rest of the import goes on. Trades are matched
by ``trade_id`` and snapshots by ``timestamp``, so a second run over the same file changes
nothing (every row is "unchanged"). The stored P&L is never trusted: it is recomputed with
the contract's rule (§3.4) by :func:`trades.services.refresh_pnl`.

Interpretation of old values:
- direction and status are upper-cased, and an enum-style ``TradeStatus.OPEN`` keeps the
  part after the last dot;
- datetimes are ISO-8601 text (``2024-01-02 10:30:00``, ``2024-01-02T10:30:00.123456``,
  a date alone, or numbers as Unix seconds); naive values are UTC, offsets are converted;
- a NULL commission, currency or strategy takes the contract's default (3.0, AUD,
  dual_momentum);
- a CLOSED trade without ``exit_date`` (the old PATCH left it NULL) takes the row's
  ``updated_at``, the time of that PATCH, and the report says so;
- ``created_at`` and ``updated_at`` are kept; the knowledge time is the old ``updated_at``
  (when the old app last learned of the trade) and the event time is the exit of a closed
  trade, else the entry.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import models, transaction

from trades.models import (
    DEFAULT_COMMISSION,
    DEFAULT_CURRENCY,
    DEFAULT_STRATEGY,
    Direction,
    PortfolioSnapshot,
    Trade,
    TradeStatus,
)
from trades.services import refresh_pnl

TRADE_REQUIRED_COLUMNS = (
    "trade_id",
    "ticker",
    "direction",
    "quantity",
    "entry_price",
    "entry_date",
)
SNAPSHOT_REQUIRED_COLUMNS = ("timestamp", "total_value", "cash_balance", "invested_value")
# Inserts and look-ups go in batches that stay under SQLite's bound-parameter limit.
_BATCH = 500


class LegacyImportError(Exception):
    """The source cannot be imported at all (missing file, not SQLite, no trades table)."""


class InvalidRow(ValueError):
    """One source row breaks a rule; the message is the reason shown in the report."""


@dataclass
class TableReport:
    table: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: list[tuple[Any, str]] = field(default_factory=list)
    warnings: list[tuple[Any, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.table}: {self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} skipped (unchanged), {len(self.invalid)} invalid"
        )


@dataclass
class LegacyImportReport:
    trades: TableReport = field(default_factory=lambda: TableReport("trades"))
    snapshots: TableReport = field(default_factory=lambda: TableReport("portfolio_snapshots"))
    snapshots_table_found: bool = True
    dry_run: bool = False


# --- reading the source --------------------------------------------------------------------


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


def _columns(connection: sqlite3.Connection, table: str) -> set[str] | None:
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (table,)
    ).fetchone()
    if exists is None:
        return None
    return {row["name"] for row in connection.execute(f'PRAGMA table_info("{table}")')}


def _rows(connection: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    order = "id" if "id" in (_columns(connection, table) or set()) else "rowid"
    for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY {order}'):  # noqa: S608
        yield dict(row)


# --- parsing values ------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(row: Mapping[str, Any], name: str) -> Any:
    value = row.get(name)
    if _blank(value):
        raise InvalidRow(f"{name} is missing")
    return value


def _text(value: Any, name: str, *, max_length: int) -> str:
    text = str(value).strip()
    if len(text) > max_length:
        raise InvalidRow(f"{name} is longer than {max_length} characters")
    return text


def _optional_text(row: Mapping[str, Any], name: str, *, max_length: int) -> str | None:
    value = row.get(name)
    return None if _blank(value) else _text(value, name, max_length=max_length)


def _enum(value: Any, name: str, choices: type[models.TextChoices]) -> str:
    # 'TradeStatus.OPEN' (an enum's str()) and 'open' both mean OPEN.
    normalised = str(value).strip().rsplit(".", 1)[-1].upper()
    if normalised not in choices.values:
        allowed = ", ".join(choices.values)
        raise InvalidRow(f"{name} {value!r} is not one of {allowed}")
    return normalised


def _digits(model: type[models.Model], field_name: str) -> tuple[int, int]:
    """``(max_digits, decimal_places)`` of a model's DecimalField."""
    model_field = model._meta.get_field(field_name)
    if not isinstance(model_field, models.DecimalField):
        raise TypeError(f"{model.__name__}.{field_name} is not a DecimalField")
    return int(model_field.max_digits or 0), int(model_field.decimal_places or 0)


def _decimal(
    value: Any,
    name: str,
    *,
    model: type[models.Model] = Trade,
    positive: bool = False,
    non_negative: bool = False,
) -> Decimal:
    """``value`` as a Decimal rounded to the column ``name``'s places, checked for range."""
    if isinstance(value, bool):
        raise InvalidRow(f"{name} is not a number ({value!r})")
    try:
        # str() first: a float's shortest repr (0.1), not its binary expansion.
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidRow(f"{name} is not a number ({value!r})") from None
    if not number.is_finite():
        raise InvalidRow(f"{name} is not a finite number ({value!r})")
    if positive and number <= 0:
        raise InvalidRow(f"{name} must be greater than 0 (got {value})")
    if non_negative and number < 0:
        raise InvalidRow(f"{name} must not be negative (got {value})")
    max_digits, places = _digits(model, name)
    rounded = number.quantize(Decimal(1).scaleb(-places))
    if len(rounded.as_tuple().digits) > max_digits:
        raise InvalidRow(f"{name} is too large ({value})")
    return rounded


def _float(row: Mapping[str, Any], name: str) -> float | None:
    value: Any = row.get(name)
    if _blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidRow(f"{name} is not a number ({value!r})") from None
    # NaN/inf were the old app's "no value"; the API sends them as null anyway.
    return number if math.isfinite(number) else None


def parse_legacy_datetime(value: Any) -> datetime:
    """An aware UTC datetime from the old app's text (naive means UTC) or Unix seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)  # ValueError when unparsable
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _datetime(value: Any, name: str) -> datetime:
    try:
        return parse_legacy_datetime(value)
    except (ValueError, OverflowError, OSError):
        raise InvalidRow(f"{name} is not a valid datetime ({value!r})") from None


def _optional_datetime(row: Mapping[str, Any], name: str) -> datetime | None:
    value = row.get(name)
    return None if _blank(value) else _datetime(value, name)


# --- trades --------------------------------------------------------------------------------


def trade_values(row: Mapping[str, Any], *, warnings: list[str]) -> dict[str, Any]:
    """The model field values for one old ``trades`` row; raises :class:`InvalidRow`."""
    trade_id = _text(_required(row, "trade_id"), "trade_id", max_length=50)
    ticker = _text(_required(row, "ticker"), "ticker", max_length=20).upper()
    direction = _enum(_required(row, "direction"), "direction", Direction)
    status = _enum(_required(row, "status"), "status", TradeStatus)
    quantity = _decimal(_required(row, "quantity"), "quantity", positive=True)
    entry_price = _decimal(_required(row, "entry_price"), "entry_price", positive=True)
    raw_exit_price = row.get("exit_price")
    exit_price = (
        None if _blank(raw_exit_price) else _decimal(raw_exit_price, "exit_price", positive=True)
    )
    raw_commission = row.get("commission")
    commission = (
        DEFAULT_COMMISSION
        if _blank(raw_commission)
        else _decimal(raw_commission, "commission", non_negative=True)
    )
    entry_date = _datetime(_required(row, "entry_date"), "entry_date")
    exit_date = _optional_datetime(row, "exit_date")
    created_at = _optional_datetime(row, "created_at")
    updated_at = _optional_datetime(row, "updated_at")

    currency = (_optional_text(row, "currency", max_length=3) or DEFAULT_CURRENCY).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidRow(f"currency {currency!r} is not a 3-letter code")
    signal_score = _float(row, "signal_score")
    if signal_score is not None and not 0 <= signal_score <= 1:
        raise InvalidRow(f"signal_score must be between 0 and 1 (got {signal_score})")

    if status == TradeStatus.CLOSED:
        if exit_price is None:
            raise InvalidRow("status is CLOSED but exit_price is missing")
        if exit_date is None:
            if updated_at is None:
                raise InvalidRow("status is CLOSED but exit_date and updated_at are missing")
            exit_date = updated_at
            warnings.append("exit_date was missing; used updated_at")
    if exit_date is not None and exit_date < entry_date:
        raise InvalidRow("exit_date is before entry_date")

    created_at = created_at or updated_at or entry_date
    updated_at = updated_at or created_at
    values: dict[str, Any] = {
        "trade_id": trade_id,
        "ticker": ticker,
        "asset_name": _optional_text(row, "asset_name", max_length=100),
        "asset_class": _optional_text(row, "asset_class", max_length=50),
        "direction": direction,
        "quantity": quantity,
        "entry_price": entry_price,
        "entry_date": entry_date,
        "exit_price": exit_price,
        "exit_date": exit_date,
        "commission": commission,
        "currency": currency,
        "strategy_name": (_optional_text(row, "strategy_name", max_length=100) or DEFAULT_STRATEGY),
        "signal_score": signal_score,
        "notes": None if row.get("notes") is None else str(row["notes"]),
        "status": status,
        "created_at": created_at,
        "updated_at": updated_at,
        "knowledge_timestamp": updated_at,
        "event_timestamp": exit_date if status == TradeStatus.CLOSED and exit_date else entry_date,
    }
    # The old stored pnl is ignored: the services' rule recomputes it from the fields.
    candidate = Trade(**values)
    refresh_pnl(trade=candidate)
    values["pnl"], values["pnl_percent"] = candidate.pnl, candidate.pnl_percent
    return values


# --- snapshots -----------------------------------------------------------------------------


def snapshot_values(row: Mapping[str, Any], *, warnings: list[str]) -> dict[str, Any]:
    """The model field values for one old ``portfolio_snapshots`` row."""
    timestamp = _datetime(_required(row, "timestamp"), "timestamp")
    money = {
        name: _decimal(_required(row, name), name, model=PortfolioSnapshot)
        for name in ("total_value", "cash_balance", "invested_value")
    }
    raw_count = row.get("num_positions")
    num_positions = 0
    if not _blank(raw_count):
        try:
            num_positions = int(str(raw_count).strip())
        except ValueError:
            raise InvalidRow(f"num_positions is not an integer ({raw_count!r})") from None
        if num_positions < 0:
            raise InvalidRow(f"num_positions must not be negative (got {raw_count})")
    raw_positions: Any = row.get("positions")
    positions: Any = []
    if not _blank(raw_positions):
        try:
            positions = json.loads(raw_positions)
        except (TypeError, ValueError):
            raise InvalidRow("positions is not valid JSON") from None
    return {
        "timestamp": timestamp,
        **money,
        **{
            name: _float(row, name)
            for name in (
                "daily_return",
                "total_return",
                "volatility",
                "sharpe_ratio",
                "max_drawdown",
            )
        },
        "num_positions": num_positions,
        "positions": positions,
        "knowledge_timestamp": timestamp,
        "event_timestamp": timestamp,
    }


# --- writing -------------------------------------------------------------------------------


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _differs(instance: models.Model, values: Mapping[str, Any]) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


def _parse_table(
    rows: Iterator[dict[str, Any]],
    *,
    key: str,
    parse: Callable[..., dict[str, Any]],
    report: TableReport,
) -> dict[Any, dict[str, Any]]:
    """Valid rows keyed by their natural key; the rest go to the report as invalid."""
    parsed: dict[Any, dict[str, Any]] = {}
    source_ids: dict[Any, Any] = {}
    for position, row in enumerate(rows, start=1):
        row_id = row.get("id", f"#{position}")
        warnings: list[str] = []
        try:
            values = parse(row, warnings=warnings)
        except InvalidRow as exc:
            report.invalid.append((row_id, str(exc)))
            continue
        natural_key = values[key]
        if natural_key in parsed:
            report.invalid.append(
                (
                    row_id,
                    f"duplicate {key} {natural_key} (also in row id {source_ids[natural_key]})",
                )
            )
            continue
        parsed[natural_key] = values
        source_ids[natural_key] = row_id
        report.warnings.extend((row_id, warning) for warning in warnings)
    return parsed


def _upsert_trades(parsed: dict[str, dict[str, Any]], report: TableReport) -> None:
    keys = list(parsed)
    existing: dict[str, Trade] = {}
    for batch in _batches(keys):
        existing.update(Trade.objects.in_bulk(batch, field_name="trade_id"))
    to_create: list[Trade] = []
    for trade_id, values in parsed.items():
        trade = existing.get(trade_id)
        if trade is None:
            to_create.append(Trade(**values))
        elif _differs(trade, values):
            # update() keeps the old created_at/updated_at (save() would stamp "now").
            Trade.objects.filter(pk=trade.pk).update(**values)
            report.updated += 1
        else:
            report.unchanged += 1
    for batch in _batches(to_create):
        stamps = [(trade.created_at, trade.updated_at) for trade in batch]
        created = Trade.objects.bulk_create(batch)
        # auto_now_add/auto_now overwrote the old timestamps on insert; put them back.
        for trade, (created_at, updated_at) in zip(created, stamps, strict=True):
            trade.created_at, trade.updated_at = created_at, updated_at
        Trade.objects.bulk_update(created, ["created_at", "updated_at"])
        report.inserted += len(created)


def _upsert_snapshots(parsed: dict[datetime, dict[str, Any]], report: TableReport) -> None:
    existing: dict[datetime, PortfolioSnapshot] = {}
    for batch in _batches(list(parsed)):
        for snapshot in PortfolioSnapshot.objects.filter(timestamp__in=batch).order_by("id"):
            existing.setdefault(snapshot.timestamp, snapshot)
    to_create: list[PortfolioSnapshot] = []
    for timestamp, values in parsed.items():
        current = existing.get(timestamp)
        if current is None:
            to_create.append(PortfolioSnapshot(**values))
        elif _differs(current, values):
            PortfolioSnapshot.objects.filter(pk=current.pk).update(**values)
            report.updated += 1
        else:
            report.unchanged += 1
    for batch in _batches(to_create):
        report.inserted += len(PortfolioSnapshot.objects.bulk_create(batch))


def import_legacy_sqlite(*, path: Path, dry_run: bool = False) -> LegacyImportReport:
    """Import both tables in one transaction; with ``dry_run`` it is rolled back at the end."""
    report = LegacyImportReport(dry_run=dry_run)
    with closing(open_read_only(path)) as connection:
        trade_columns = _columns(connection, "trades")
        if trade_columns is None:
            raise LegacyImportError(f"{path} has no `trades` table; is it the old app's database?")
        missing = [c for c in TRADE_REQUIRED_COLUMNS if c not in trade_columns]
        if missing:
            raise LegacyImportError(
                f"The `trades` table in {path} lacks columns: {', '.join(missing)}"
            )
        trades = _parse_table(
            _rows(connection, "trades"), key="trade_id", parse=trade_values, report=report.trades
        )
        snapshot_columns = _columns(connection, "portfolio_snapshots")
        snapshots: dict[Any, dict[str, Any]] = {}
        if snapshot_columns is None:
            report.snapshots_table_found = False
        else:
            missing = [c for c in SNAPSHOT_REQUIRED_COLUMNS if c not in snapshot_columns]
            if missing:
                raise LegacyImportError(
                    f"The `portfolio_snapshots` table in {path} lacks columns: {', '.join(missing)}"
                )
            snapshots = _parse_table(
                _rows(connection, "portfolio_snapshots"),
                key="timestamp",
                parse=snapshot_values,
                report=report.snapshots,
            )
    with transaction.atomic():
        _upsert_trades(trades, report.trades)
        _upsert_snapshots(snapshots, report.snapshots)
        if dry_run:
            transaction.set_rollback(True)
    return report


__all__ = [
    "LegacyImportError",
    "LegacyImportReport",
    "TableReport",
    "import_legacy_sqlite",
    "parse_legacy_datetime",
]
