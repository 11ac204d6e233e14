"""A cap on how many HTTP requests one run may make to one source.

Tiingo's plans meter requests per hour and per day; a run that would blow the quota should stop
asking and report the tickers it skipped instead of getting the key throttled.
"""

from __future__ import annotations

BUDGET_EXHAUSTED = "request budget exhausted"


class RequestBudget:
    """Counts requests (retries included, since the API counts them too).

    Used from one event loop: `try_spend` has no await between check and increment, so
    concurrent tasks cannot overspend it.
    """

    def __init__(self, max_requests: int | None = None) -> None:
        if max_requests is not None and max_requests < 0:
            raise ValueError("max_requests must be >= 0 or None (unlimited)")
        self.max_requests = max_requests
        self.used = 0

    @property
    def remaining(self) -> int | None:
        if self.max_requests is None:
            return None
        return max(self.max_requests - self.used, 0)

    @property
    def exhausted(self) -> bool:
        return self.remaining == 0

    def try_spend(self) -> bool:
        if self.exhausted:
            return False
        self.used += 1
        return True

    def __repr__(self) -> str:
        return f"RequestBudget(max_requests={self.max_requests}, used={self.used})"
