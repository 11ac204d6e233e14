"""Preparing an ingest run: each resolved ticker's window and the closes validation compares
against, decided before anything is fetched so a run that cannot succeed never starts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ingest.errors import IngestCannotStart
from ingest.planning import IngestParameters, TickerWindow, plan_windows
from ingest.selectors import last_stored_dates, previous_closes
from ingest.source_settings import tiingo_configured
from ingest.sources import SourceName, route_source
from ingest.sources.tiingo import DISABLED_MESSAGE as TIINGO_DISABLED


@dataclass(frozen=True, slots=True)
class IngestPlan:
    parameters: IngestParameters
    tickers: list[str]
    windows: list[TickerWindow]
    previous_closes: dict[str, Decimal]
    warnings: list[str]


def plan_run(
    *, parameters: IngestParameters, tickers: list[str], now: dt.datetime | None = None
) -> IngestPlan:
    """The plan for ``tickers`` (already resolved from ``parameters``); raise
    ``IngestCannotStart`` when no source can serve any of them."""
    warnings: list[str] = []
    if not tiingo_configured():
        needs_tiingo = [
            t for t in tickers if route_source(t, parameters.source) is SourceName.TIINGO
        ]
        if needs_tiingo and len(needs_tiingo) == len(tickers):
            raise IngestCannotStart(
                f"{TIINGO_DISABLED}; every requested ticker ({len(tickers)}) needs Tiingo"
            )
        if needs_tiingo:
            warnings.append(
                f"{TIINGO_DISABLED}; {len(needs_tiingo)} of {len(tickers)} tickers will fail"
            )
    windows = plan_windows(
        tickers,
        parameters=parameters,
        last_dates=last_stored_dates(tickers=tickers),
        now=now or timezone.now(),
    )
    closes = previous_closes(windows=[w for w in windows if not w.empty])
    return IngestPlan(parameters, tickers, windows, closes, warnings)
