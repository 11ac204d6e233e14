"""The HTTP boundary of ingest runs: the transport and retry policy the source client gets.

Production uses httpx's default transport and the default `RetryPolicy`. Tests, benchmarks
and local demos swap in a fake API (an `httpx.MockTransport`) for every run started while
`use_transport(...)` is active, whichever way the run starts (command, task, API refresh),
so nothing above the HTTP layer is faked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from ingest.sources import RetryPolicy, build_client


@dataclass(frozen=True, slots=True)
class HttpSetup:
    transport: httpx.AsyncBaseTransport | None = None
    retry: RetryPolicy | None = None


_current = HttpSetup()


def current_http() -> HttpSetup:
    return _current


def build_http_client(*, concurrency: int) -> httpx.AsyncClient:
    """The one client of a run: pooled connections sized for `concurrency` tickers."""
    return build_client(max_connections=2 * concurrency, transport=_current.transport)


@contextmanager
def use_transport(
    transport: httpx.AsyncBaseTransport, *, retry: RetryPolicy | None = None
) -> Iterator[None]:
    """Send every ingest request through `transport` (and retry with `retry`) meanwhile."""
    global _current
    previous = _current
    _current = HttpSetup(transport=transport, retry=retry)
    try:
        yield
    finally:
        _current = previous
