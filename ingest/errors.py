"""Ingest failures: a run that cannot start, and the API's 404 for an unknown run."""

from __future__ import annotations

from parakeet.errors import DomainError


class IngestCannotStart(Exception):
    """Bad parameters, an unknown universe, no source for the tickers, or no database.

    The command exits 1 with this message; a queued run becomes ``failed`` with it.
    """


class IngestRunNotFound(DomainError):
    def __init__(self, pk: int) -> None:
        super().__init__(f"Ingest run {pk} not found", status_code=404)
        self.pk = pk
