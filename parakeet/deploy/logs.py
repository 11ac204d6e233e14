"""Reading a function's CloudWatch log group (``/aws/lambda/<name>``) for ``manage.py tail``."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SEEN_LIMIT = 10_000


@dataclass(frozen=True)
class LogEvent:
    event_id: str
    timestamp_ms: int
    stream: str
    message: str

    def format(self) -> str:
        when = datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.timestamp_ms % 1000:03d}Z"
        return f"{stamp} {self.stream} {self.message.rstrip()}"


def parse_since(value: str) -> int:
    """``10m`` / ``2h`` / ``1d`` / ``30`` (seconds) -> seconds."""
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"--since must look like 30s, 10m, 2h or 1d, not {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def fetch_events(
    client: CloudWatchLogsClient,
    group: str,
    *,
    start_ms: int,
    pattern: str | None = None,
) -> list[LogEvent]:
    """Every event since ``start_ms`` (all pages), oldest first."""
    request: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "interleaved": True}
    if pattern:
        request["filterPattern"] = pattern
    events: list[LogEvent] = []
    while True:
        response = client.filter_log_events(**request)
        events.extend(
            LogEvent(
                event_id=str(e.get("eventId", "")),
                timestamp_ms=int(e.get("timestamp", 0)),
                stream=str(e.get("logStreamName", "")),
                message=str(e.get("message", "")),
            )
            for e in response.get("events", [])
        )
        token = response.get("nextToken")
        if not token or token == request.get("nextToken"):
            break
        request["nextToken"] = token
    events.sort(key=lambda e: (e.timestamp_ms, e.event_id))
    return events


def tail(
    client: CloudWatchLogsClient,
    group: str,
    *,
    since_s: int,
    pattern: str | None = None,
    follow: bool = False,
    interval_s: float = 5.0,
    max_polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
) -> Iterator[LogEvent]:
    """Yield events since ``since_s`` ago; with ``follow``, keep polling (at most ``max_polls``).

    Later polls start at the newest timestamp seen (events arrive late and out of order), and
    events already yielded are skipped by id.
    """
    start = now_ms() - since_s * 1000
    seen: dict[str, None] = {}
    polls = 0
    while True:
        for event in fetch_events(client, group, start_ms=start, pattern=pattern):
            key = f"{event.stream}/{event.event_id}"
            if key in seen:
                continue
            seen[key] = None
            if len(seen) > SEEN_LIMIT:
                seen.pop(next(iter(seen)))
            start = max(start, event.timestamp_ms)
            yield event
        polls += 1
        if not follow or (max_polls is not None and polls >= max_polls):
            return
        sleep(interval_s)
