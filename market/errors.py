"""Market-domain failures. HTTP statuses follow contract §1 "Errors" and §2.6."""

from __future__ import annotations

from collections.abc import Sequence

from parakeet.errors import DomainError


class UnknownUniverse(DomainError):
    """404 on ``/api/universes/{key}``; a view taking the key as a query parameter answers
    400 instead (contract §1), with the same sentence."""

    def __init__(self, key: str, available: Sequence[str], status_code: int = 404) -> None:
        super().__init__(
            f"Unknown universe '{key}'. Available: {list(available)}", status_code=status_code
        )
        self.key = key
        self.available = list(available)
