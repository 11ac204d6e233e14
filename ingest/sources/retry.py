"""When and how long to wait before asking a source again.

Exponential backoff with full jitter (sleep a uniform random time in [0, min(cap, base * 2^n)]),
so many tickers failing together do not retry in lockstep. A server that says how long to wait
(`Retry-After`, in seconds or as an HTTP-date) is obeyed instead, up to `max_retry_after`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS_CODES = frozenset({408, 429, 500, 502, 503, 504})


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # Longer than this and we give up on the ticker rather than hold a Lambda for minutes.
    max_retry_after: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = _sleep
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], dt.datetime] = _utc_now

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.backoff_base < 0 or self.backoff_cap < 0:
            raise ValueError("backoff_base and backoff_cap must be >= 0")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return self.rng.uniform(0.0, ceiling)

    def retry_after(self, header: str | None) -> float | None:
        """Seconds asked for by a `Retry-After` header, or None if absent or unreadable."""
        return parse_retry_after(header, now=self.clock())


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUS_CODES or status_code >= 500


def parse_retry_after(header: str | None, *, now: dt.datetime) -> float | None:
    if header is None or not header.strip():
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=dt.UTC)
    return max((when - now).total_seconds(), 0.0)
