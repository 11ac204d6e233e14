"""Bounded polling with an injectable ``sleep``, for Lambda's asynchronous state changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from parakeet.deploy.errors import DeployError

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Polling:
    interval_s: float = 2.0
    timeout_s: float = 600.0
    sleep: Sleep = time.sleep

    @property
    def attempts(self) -> int:
        return max(1, int(self.timeout_s / self.interval_s) + 1)


def poll[T](
    fetch: Callable[[], T],
    settled: Callable[[T], bool],
    *,
    polling: Polling,
    step: str,
    what: str,
) -> T:
    """Call ``fetch`` until ``settled`` says yes; a :class:`DeployError` after the timeout.

    ``settled`` may raise :class:`DeployError` itself for a terminal failure.
    """
    value = fetch()
    for _ in range(polling.attempts - 1):
        if settled(value):
            return value
        polling.sleep(polling.interval_s)
        value = fetch()
    if settled(value):
        return value
    raise DeployError(step, f"{what} did not finish within {polling.timeout_s:g} s")
