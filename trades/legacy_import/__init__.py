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

from trades.legacy_import.importer import import_legacy_sqlite
from trades.legacy_import.report import LegacyImportReport, TableReport
from trades.legacy_import.rows import parse_legacy_datetime
from trades.legacy_import.source import LegacyImportError

__all__ = [
    "LegacyImportError",
    "LegacyImportReport",
    "TableReport",
    "import_legacy_sqlite",
    "parse_legacy_datetime",
]
