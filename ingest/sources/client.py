"""The one HTTP client factory for data sources, and GET with retries.

One `httpx.AsyncClient` per ingest run (connection pooling across tickers), closed by the
caller: `async with build_client() as client: ...`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ingest.sources.budget import BUDGET_EXHAUSTED, RequestBudget
from ingest.sources.retry import RetryPolicy, is_retryable_status

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=30.0)
DEFAULT_CONCURRENCY = 8


def client_limits(max_connections: int) -> httpx.Limits:
    """The connection pool of a run's client: every connection it may open is kept alive.

    A smaller keep-alive pool than the concurrency closes a connection after almost every
    response and opens (TCP + TLS handshake) a new one for the next request: at concurrency
    16 with 8 kept alive, 500 requests opened ~490 connections instead of 16
    (``benchmarks/ingest_throughput.py --server``).
    """
    return httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)


def build_client(
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    max_connections: int = 2 * DEFAULT_CONCURRENCY,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """`transport` exists for tests (`httpx.MockTransport`); production uses the default."""
    return httpx.AsyncClient(
        timeout=timeout,
        limits=client_limits(max_connections),
        transport=transport,
        headers={"Accept": "application/json"},
        follow_redirects=False,
    )


@dataclass(frozen=True, slots=True)
class HttpOutcome:
    """The final response (if any) after retries, and why we stopped if it is not usable.

    `failure` is set when retries ran out, the budget ran out or the server asked us to wait
    too long; `response` is then the last response received (None after transport errors).
    When `failure` is None, `response` is a non-retryable answer (2xx, 404, other 4xx).
    """

    response: httpx.Response | None
    requests_made: int
    failure: str | None = None


async def get_with_retries(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    policy: RetryPolicy,
    budget: RequestBudget,
) -> HttpOutcome:
    requests_made = 0
    response: httpx.Response | None = None
    problem = ""
    for attempt in range(1, policy.max_attempts + 1):
        if not budget.try_spend():
            reason = f"{BUDGET_EXHAUSTED} (last error: {problem})" if problem else BUDGET_EXHAUSTED
            return HttpOutcome(response, requests_made, reason)
        requests_made += 1
        try:
            response = await client.get(url, params=params, headers=headers)
        except httpx.TimeoutException as exc:
            response, problem = None, f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            response, problem = None, f"connection failed ({type(exc).__name__})"
        else:
            if not is_retryable_status(response.status_code):
                return HttpOutcome(response, requests_made)
            problem = f"HTTP {response.status_code}"
        if attempt == policy.max_attempts:
            break
        delay = policy.backoff(attempt)
        if response is not None:
            asked = policy.retry_after(response.headers.get("Retry-After"))
            if asked is not None:
                if asked > policy.max_retry_after:
                    return HttpOutcome(
                        response,
                        requests_made,
                        f"{problem}, server asked to retry after {asked:.0f}s "
                        f"(more than {policy.max_retry_after:.0f}s)",
                    )
                delay = asked
        logger.info("retrying %s in %.2fs after %s (attempt %d)", url, delay, problem, attempt)
        await policy.sleep(delay)
    return HttpOutcome(response, requests_made, f"{problem} after {requests_made} attempts")
