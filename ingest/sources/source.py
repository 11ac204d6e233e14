"""What every data source looks like to the fetch loop."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from ingest.sources.bars import FetchResult, FetchStatus, SourceName
from ingest.sources.budget import RequestBudget


class SourceDisabled(Exception):
    """The source cannot be used in this environment (e.g. no API key configured)."""


class DataSource(Protocol):
    @property
    def name(self) -> SourceName: ...

    async def fetch(
        self,
        ticker: str,
        start: dt.date,
        end: dt.date,
        *,
        budget: RequestBudget | None = None,
    ) -> FetchResult:
        """Daily bars for `ticker` from `start` to `end` inclusive. Never raises for
        HTTP or payload problems: they come back as a non-ok `FetchResult`."""
        ...


class DisabledSource:
    """Stands in for a source that could not be built, so its tickers fail with the reason
    (e.g. "Tiingo is disabled: ...") while the other sources' tickers go ahead."""

    def __init__(self, name: SourceName, reason: str) -> None:
        self._name = name
        self.reason = reason

    @property
    def name(self) -> SourceName:
        return self._name

    async def fetch(
        self,
        ticker: str,
        start: dt.date,
        end: dt.date,
        *,
        budget: RequestBudget | None = None,
    ) -> FetchResult:
        return FetchResult(ticker, (), FetchStatus.FAILED, self.reason, 0, self._name)
