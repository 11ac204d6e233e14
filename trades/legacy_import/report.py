"""What an import did, per table: inserted, updated, unchanged, invalid rows and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
