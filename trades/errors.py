"""Trade-domain failures. HTTP statuses follow contract §1 "Errors" and §3.4."""

from __future__ import annotations

from parakeet.errors import DomainError


class TradeNotFound(DomainError):
    def __init__(self, trade_pk: int) -> None:
        super().__init__(f"Trade with ID {trade_pk} not found", status_code=404)


class DuplicateTradeId(DomainError):
    def __init__(self, trade_id: str) -> None:
        super().__init__(f"Trade with ID {trade_id} already exists", status_code=400)


class TradeNotOpen(DomainError):
    def __init__(self, trade_pk: int, status: str) -> None:
        super().__init__(
            f"Trade with ID {trade_pk} is {status}; only OPEN trades can be closed",
            status_code=409,
        )


class InvalidTradeChange(Exception):
    """A change that is well-formed but breaks a trade rule (e.g. exit before entry).

    It names the offending input field; the view turns it into a 422 at the place
    (body or query) that field came from.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
