"""What an ingest run has done so far, overall and per source, and the summary it ends with."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ingest.source_settings import UNKNOWN_SOURCE, source_label
from ingest.sources import Bar
from market.services import UpsertCounts

# Every part of a run logs as ingest.services, the name log filters (and tests) select on.
logger = logging.getLogger("ingest.services")

MAX_REJECTION_SAMPLES: Final = 50
MAX_ERRORS_IN_API: Final = 50


@dataclass(frozen=True, slots=True)
class Progress:
    """``event`` is "fetched" after each ticker's download, "stored" after each batch."""

    event: str
    total: int
    fetched: int
    processed: int
    succeeded: int
    failed: int
    rows_written: int


ProgressCallback = Callable[[Progress], None]


@dataclass
class SourceTally:
    """One source's share of a run: what ``record_ingest`` reports for it."""

    requested: int = 0
    succeeded: int = 0
    failed: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: int = 0


@dataclass
class RunTotals:
    total: int = 0
    fetched: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    bars_fetched: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    rejections: list[dict[str, str]] = field(default_factory=list)
    # The source each requested ticker is routed to, and the counts per source.
    source_of: dict[str, str] = field(default_factory=dict)
    sources: dict[str, SourceTally] = field(default_factory=dict)

    def request(self, tickers: Iterable[str], *, source: str) -> None:
        for ticker in tickers:
            self.source_of[ticker] = source_label(ticker, source)
            self.tally(ticker).requested += 1

    def tally(self, ticker: str) -> SourceTally:
        return self.sources.setdefault(self.source_of.get(ticker, UNKNOWN_SOURCE), SourceTally())

    def succeed(self, tickers: Iterable[str]) -> None:
        for ticker in tickers:
            self.succeeded += 1
            self.tally(ticker).succeeded += 1

    def fail(self, ticker: str, message: str) -> None:
        self.failed += 1
        self.tally(ticker).failed += 1
        self.errors.append({"ticker": ticker, "message": message})
        logger.info("ingest failed ticker=%s reason=%s", ticker, message)

    def reject(self, bar: Bar, reason: str) -> None:
        self.rejected += 1
        self.tally(bar.ticker).rejected += 1
        if len(self.rejections) < MAX_REJECTION_SAMPLES:
            self.rejections.append(
                {"ticker": bar.ticker, "date": bar.date.isoformat(), "reason": reason}
            )

    def stored(self, counts: Mapping[str, UpsertCounts]) -> None:
        """Add the write counts of a batch, given per source."""
        for source, source_counts in counts.items():
            self.counts += source_counts
            tally = self.sources.setdefault(source, SourceTally())
            tally.counts += source_counts

    def progress(self, event: str) -> Progress:
        return Progress(
            event=event,
            total=self.total,
            fetched=self.fetched,
            processed=self.processed,
            succeeded=self.succeeded,
            failed=self.failed,
            rows_written=self.counts.inserted + self.counts.updated,
        )


@dataclass(frozen=True, slots=True)
class IngestSummary:
    ingest_run_id: int
    status: str
    dry_run: bool
    requested: int
    succeeded: int
    failed: int
    bars_fetched: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    failures: list[dict[str, str]]
    rejections: list[dict[str, str]]
    caches_rebuilt: list[str]
    warnings: list[str]
    started_at: dt.datetime
    finished_at: dt.datetime
    duration_seconds: float
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "ingest_run_id": self.ingest_run_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "tickers": {
                "requested": self.requested,
                "succeeded": self.succeeded,
                "failed": self.failed,
            },
            "rows": {
                "fetched": self.bars_fetched,
                "inserted": self.rows_inserted,
                "updated": self.rows_updated,
                "unchanged": self.rows_unchanged,
                "rejected": self.rows_rejected,
            },
            "failures": self.failures,
            "rejections": self.rejections,
            "caches_rebuilt": self.caches_rebuilt,
            "warnings": self.warnings,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration_seconds": round(self.duration_seconds, 3),
            "message": self.message,
        }


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
