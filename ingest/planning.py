"""What an ingest run asks for, and the date window it fetches for each ticker.

Pure functions over dates (no database): the selectors supply each ticker's last stored date
and the services turn the windows into fetch requests.

Windows, both ends inclusive:

- **end** is the ticker's last completed session in its exchange's timezone: today once the
  market has closed (plus a settling margin), else the previous weekday. A bar of a session
  still trading would be partial. Crypto trades around the clock, dated in UTC: yesterday.
- **start**, by mode: ``--since DATE``; ``--lookback-days N`` (end - N days);
  ``--full-history`` (2000-01-01); ``force`` (the default history start, ignoring what is
  stored); otherwise incremental: the last stored date minus a 5-day overlap (vendors revise
  recent bars, e.g. adj_close after a dividend), or the default history start (10 years
  back, ``PARAKEET_INGEST_HISTORY_DAYS``) for a ticker with no bars yet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Final

from django.conf import settings

from ingest.sources import DEFAULT_CONCURRENCY, exchange_timezone
from ingest.sources.routing import SOURCE_CHOICES, UTC

OVERLAP_DAYS: Final = 5
FULL_HISTORY_START: Final = dt.date(2000, 1, 1)
DEFAULT_HISTORY_DAYS: Final = 3653  # ten years
# The contract's "all" set: what a refresh without tickers (or a bare `manage.py ingest`) covers.
DEFAULT_UNIVERSES: Final = ("SPX500", "US_ETFS", "ASX200")
TICKER_PATTERN: Final = re.compile(r"^[A-Z0-9.^=-]{1,20}$")
MAX_CONCURRENCY: Final = 64

# Local time after which a session's daily bar is final (close + the closing auction + margin).
SESSION_FINAL_AFTER: Final = dt.time(16, 30)


class Trigger(StrEnum):
    COMMAND = "command"
    API = "api"
    TASK = "task"


@dataclass(frozen=True, slots=True)
class IngestParameters:
    """What was asked for; stored as JSON in ``IngestRun.parameters``."""

    universes: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()
    since: dt.date | None = None
    lookback_days: int | None = None
    full_history: bool = False
    force: bool = False
    source: str = "auto"
    concurrency: int = DEFAULT_CONCURRENCY
    dry_run: bool = False
    rebuild_cache: bool = True
    trigger: str = Trigger.COMMAND

    def __post_init__(self) -> None:
        modes = [self.since is not None, self.lookback_days is not None, self.full_history]
        if sum(modes) > 1:
            raise ValueError("since, lookback_days and full_history are mutually exclusive")
        if self.lookback_days is not None and self.lookback_days < 1:
            raise ValueError("lookback_days must be at least 1")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
        if self.source not in SOURCE_CHOICES:
            raise ValueError(f"source must be one of {', '.join(SOURCE_CHOICES)}")
        bad = [ticker for ticker in self.tickers if not TICKER_PATTERN.match(ticker)]
        if bad:
            raise ValueError(
                f"invalid tickers: {', '.join(bad)} (expected {TICKER_PATTERN.pattern})"
            )

    @property
    def effective_universes(self) -> tuple[str, ...]:
        """The universes to ingest: those named, or the default set when nothing is named."""
        if self.universes or self.tickers:
            return self.universes
        return DEFAULT_UNIVERSES

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["universes"] = list(self.universes)
        data["tickers"] = list(self.tickers)
        data["since"] = self.since.isoformat() if self.since else None
        data["trigger"] = str(self.trigger)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IngestParameters:
        """Read stored parameters; unknown keys are ignored, missing ones take defaults."""
        known = set(cls.__dataclass_fields__)
        values = {key: value for key, value in data.items() if key in known}
        values["universes"] = tuple(values.get("universes") or ())
        values["tickers"] = normalise_tickers(values.get("tickers") or ())
        since = values.get("since")
        values["since"] = dt.date.fromisoformat(since) if since else None
        return cls(**values)


def normalise_tickers(tickers: Iterable[str]) -> tuple[str, ...]:
    """Trimmed, upper-cased, de-duplicated, in the order given."""
    return tuple(dict.fromkeys(ticker.strip().upper() for ticker in tickers if ticker.strip()))


def last_completed_session(ticker: str, now: dt.datetime) -> dt.date:
    """The newest trading date whose daily bar is final at instant ``now``.

    Weekends are skipped; exchange holidays are not known here (a holiday simply has no bar).
    """
    zone = exchange_timezone(ticker)
    local = now.astimezone(zone)
    if zone == UTC:  # crypto: the UTC day in progress is partial
        return local.date() - dt.timedelta(days=1)
    day = local.date()
    if local.time() < SESSION_FINAL_AFTER:
        day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def default_history_days() -> int:
    return int(getattr(settings, "PARAKEET_INGEST_HISTORY_DAYS", DEFAULT_HISTORY_DAYS))


@dataclass(frozen=True, slots=True)
class TickerWindow:
    ticker: str
    start: dt.date
    end: dt.date
    # Why this start: "since", "lookback", "full_history", "force", "incremental", "new".
    reason: str

    @property
    def empty(self) -> bool:
        return self.start > self.end


def plan_windows(
    tickers: Sequence[str],
    *,
    parameters: IngestParameters,
    last_dates: Mapping[str, dt.date],
    now: dt.datetime,
    history_days: int | None = None,
) -> list[TickerWindow]:
    """One window per ticker, in the order given."""
    history = dt.timedelta(days=default_history_days() if history_days is None else history_days)
    windows = []
    for ticker in tickers:
        end = last_completed_session(ticker, now)
        last = last_dates.get(ticker)
        if parameters.since is not None:
            start, reason = parameters.since, "since"
        elif parameters.lookback_days is not None:
            start, reason = end - dt.timedelta(days=parameters.lookback_days), "lookback"
        elif parameters.full_history:
            start, reason = FULL_HISTORY_START, "full_history"
        elif parameters.force:
            start, reason = end - history, "force"
        elif last is None:
            start, reason = end - history, "new"
        else:
            start, reason = last - dt.timedelta(days=OVERLAP_DAYS), "incremental"
        windows.append(TickerWindow(ticker, start, end, reason))
    return windows
