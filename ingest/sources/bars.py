"""What a data source hands back: daily bars and a per-ticker fetch outcome.

Plain dataclasses, no Django: the ingest command validates these and writes them through the
`market` services. Prices are `Decimal` parsed straight from the JSON text, so the values that
reach NUMERIC(12,4) are the ones the API sent, not their binary float approximations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class SourceName(StrEnum):
    TIINGO = "tiingo"
    YAHOO = "yahoo"


class FetchStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"  # the source does not know the symbol (unknown or delisted)
    FAILED = "failed"  # network, server, auth, budget or parsing problem; see `reason`
    EMPTY = "empty"  # the symbol exists but has no bars in the requested range


@dataclass(frozen=True, slots=True)
class Bar:
    ticker: str
    date: dt.date
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    close: Decimal | None
    adj_close: Decimal | None
    volume: int | None
    source: SourceName
    split_event: bool = False


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """Bars for `ticker` from `start` to `end`, both inclusive, from `source` ("auto" routes)."""

    ticker: str
    start: dt.date
    end: dt.date
    source: str = "auto"


@dataclass(frozen=True, slots=True)
class FetchResult:
    ticker: str
    bars: tuple[Bar, ...]
    status: FetchStatus
    reason: str
    requests_made: int
    source: SourceName | None = None

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK
