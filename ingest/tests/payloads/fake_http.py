"""The HTTP boundary for source tests: an `httpx.MockTransport` that answers from a script and
records every request, and a recorder for retry sleeps (so retries never actually wait)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import httpx

from ingest.sources.retry import RetryPolicy

Answer = httpx.Response | Exception


def json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class FakeApi:
    """Answers each request with `respond(request)`, or with the next scripted answer.

    A scripted answer that is an exception is raised from the transport, the way httpx raises
    `ReadTimeout` or `ConnectError`. The last scripted answer repeats once the script runs out.
    """

    def __init__(
        self,
        *script: Answer,
        respond: Callable[[httpx.Request], Answer] | None = None,
    ) -> None:
        if not script and respond is None:
            raise ValueError("give a script or a respond function")
        self.script = list(script)
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.respond is not None:
            answer = self.respond(request)
        else:
            answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self) -> httpx.AsyncClient:
        from ingest.sources.client import build_client

        return build_client(transport=httpx.MockTransport(self))


class ConcurrencyTrackingApi:
    """Holds each request open briefly and records the most requests seen in flight at once."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.respond = respond
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.002)
            return self.respond(request)
        finally:
            self.in_flight -= 1

    def client(self) -> httpx.AsyncClient:
        from ingest.sources.client import build_client

        return build_client(transport=httpx.MockTransport(self))


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


FIXED_NOW = dt.datetime(2024, 1, 5, 12, 0, tzinfo=dt.UTC)


def fast_retry(
    *, max_attempts: int = 3, sleep: SleepRecorder | None = None, max_retry_after: float = 60.0
) -> RetryPolicy:
    """Real retry logic with zero backoff, a recorded sleep and a fixed clock."""
    return RetryPolicy(
        max_attempts=max_attempts,
        backoff_base=0.0,
        max_retry_after=max_retry_after,
        sleep=sleep or SleepRecorder(),
        rng=random.Random(7),
        clock=lambda: FIXED_NOW,
    )
