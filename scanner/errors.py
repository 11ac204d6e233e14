"""Scanner-domain failures. HTTP statuses follow contract §1 "Errors" and §2.5."""

from __future__ import annotations

from parakeet.errors import DomainError


class TaskQueueUnavailable(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "The task queue is unavailable; the scan could not be started. Try again later.",
            status_code=503,
        )


class DatabaseUnavailable(DomainError):
    def __init__(self) -> None:
        super().__init__("The database is unavailable. Try again later.", status_code=503)
