"""Strategy-domain failures. HTTP statuses follow contract §1 "Errors" and §2.3."""

from __future__ import annotations

from collections.abc import Sequence

from parakeet.errors import DomainError


class StrategyNotFound(DomainError):
    """404. ``POST /run`` says only ``Strategy '{name}' not found``; the read endpoints add
    the list of available names."""

    def __init__(self, name: str, available: Sequence[str] | None = None) -> None:
        detail = f"Strategy '{name}' not found"
        if available is not None:
            detail += f". Available: {list(available)}"
        super().__init__(detail, status_code=404)
        self.name = name


class StrategyNotImplemented(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Strategy '{name}' has no engine yet", status_code=501)


class NoResults(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"No results found for strategy '{name}'. Run a backtest first.", status_code=404
        )


class RunNotFound(DomainError):
    def __init__(self, backtest_id: str, strategy_name: str | None = None) -> None:
        detail = f"Backtest '{backtest_id}' not found"
        if strategy_name is not None:
            detail += f" for strategy '{strategy_name}'"
        super().__init__(detail, status_code=404)


class ResultsNotReady(DomainError):
    """409: the run exists but is still running or has failed."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, status_code=409)


class TaskQueueUnavailable(DomainError):
    def __init__(self, what: str = "backtest") -> None:
        super().__init__(
            f"The task queue is unavailable; the {what} could not be started. Try again later.",
            status_code=503,
        )


class DatabaseUnavailable(DomainError):
    def __init__(self) -> None:
        super().__init__("The database is unavailable. Try again later.", status_code=503)


class NotEnoughHistory(DomainError):
    """409 of the residual-momentum endpoints (contract §3.7)."""

    def __init__(self, universe: str) -> None:
        super().__init__(
            f"Not enough stored price history for universe '{universe}'; "
            "run POST /api/data/refresh",
            status_code=409,
        )


class InvalidUniverse(DomainError):
    """400 of ``/api/quant2/residual-momentum*`` (an unknown universe in the query)."""

    def __init__(self, universe: str, available: Sequence[str]) -> None:
        super().__init__(
            f"Invalid universe '{universe}'. Available: {list(available)}", status_code=400
        )
