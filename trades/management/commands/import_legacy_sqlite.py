"""``manage.py import_legacy_sqlite PATH [--dry-run]``: bring the old app's journal across.

See :mod:`trades.legacy_import` for how old values are read. The command prints one line
per table (inserted / updated / skipped (unchanged) / invalid), then each invalid row with
its old ``id`` and reason; invalid rows never stop the import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trades.legacy_import import LegacyImportError, TableReport, import_legacy_sqlite


class Command(BaseCommand):
    help = (
        "Import trades and portfolio snapshots from the old app's SQLite database "
        "(opened read-only). Idempotent: trades match by trade_id, snapshots by timestamp."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the old SQLite database file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="run the whole import in a transaction and roll it back: nothing is written",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        dry_run: bool = options["dry_run"]
        self.stdout.write(f"Importing {path} (read-only){' as a dry run' if dry_run else ''}.")
        try:
            report = import_legacy_sqlite(path=path, dry_run=dry_run)
        except LegacyImportError as exc:
            raise CommandError(str(exc)) from exc
        self._table(report.trades)
        if report.snapshots_table_found:
            self._table(report.snapshots)
        else:
            self.stdout.write("portfolio_snapshots: no such table in the source; skipped.")
        if dry_run:
            self.stdout.write(
                self.style.WARNING(
                    "Dry run: the import ran inside a transaction that was rolled back; "
                    "nothing was written."
                )
            )

    def _table(self, table: TableReport) -> None:
        self.stdout.write(table.summary())
        for row_id, reason in table.invalid:
            self.stderr.write(f"invalid {table.table} row id={row_id}: {reason}")
        for row_id, warning in table.warnings:
            self.stdout.write(f"note: {table.table} row id={row_id}: {warning}")
