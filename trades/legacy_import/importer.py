"""The import itself: parse both tables, then upsert them in one transaction (rolled back
for a dry run). Trades match by ``trade_id`` and snapshots by ``timestamp``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import models, transaction

from trades.legacy_import.report import LegacyImportReport, TableReport
from trades.legacy_import.rows import InvalidRow, snapshot_values, trade_values
from trades.legacy_import.source import (
    SNAPSHOT_REQUIRED_COLUMNS,
    TRADE_REQUIRED_COLUMNS,
    LegacyImportError,
    open_read_only,
    table_columns,
    table_rows,
)
from trades.models import PortfolioSnapshot, Trade

# Inserts and look-ups go in batches that stay under SQLite's bound-parameter limit.
_BATCH = 500


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
        trade_columns = table_columns(connection, "trades")
        if trade_columns is None:
            raise LegacyImportError(f"{path} has no `trades` table; is it the old app's database?")
        missing = [c for c in TRADE_REQUIRED_COLUMNS if c not in trade_columns]
        if missing:
            raise LegacyImportError(
                f"The `trades` table in {path} lacks columns: {', '.join(missing)}"
            )
        trades = _parse_table(
            table_rows(connection, "trades"),
            key="trade_id",
            parse=trade_values,
            report=report.trades,
        )
        snapshot_columns = table_columns(connection, "portfolio_snapshots")
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
                table_rows(connection, "portfolio_snapshots"),
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
