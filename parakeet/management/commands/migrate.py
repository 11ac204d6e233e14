"""``migrate`` through the direct database endpoint, one deploy at a time.

Neon's pooled endpoint (PgBouncer in transaction mode) serves the application, but schema
changes want a real session, so when ``DATABASE_DIRECT_URL`` differs from ``DATABASE_URL``
the default connection is pointed at the direct endpoint for the duration of the command:
its HOST, PORT, USER, PASSWORD and OPTIONS, keeping NAME (so test databases keep working).
The pooled connection is closed first and the settings are restored afterwards.

On PostgreSQL the command also holds a session-level advisory lock while it migrates, so two
deploys never migrate at the same time. The lock lives on the connection this command opens:
a lock taken on the pooled connection before calling it would be released by the switch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from parakeet.env import direct_connection_overrides

# pg_advisory_lock key shared by every `migrate` of this project ("parakeet" in ASCII, 63 bits).
MIGRATION_LOCK_ID = int.from_bytes(b"parakeet", "big") >> 1


@contextmanager
def direct_connection(connection: BaseDatabaseWrapper, overrides: dict[str, Any]) -> Iterator[None]:
    """Point ``connection`` at other connection settings, then put the old ones back."""
    if connection.in_atomic_block:
        raise CommandError("migrate can't switch to DATABASE_DIRECT_URL inside a transaction.")
    missing = object()
    saved = {key: connection.settings_dict.get(key, missing) for key in overrides}
    connection.close()
    connection.settings_dict.update(overrides)
    try:
        yield
    finally:
        connection.close()
        for key, value in saved.items():
            if value is missing:
                connection.settings_dict.pop(key, None)
            else:
                connection.settings_dict[key] = value


@contextmanager
def migration_lock(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Hold the project's advisory lock on PostgreSQL (waiting for another deploy to finish)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_ID])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_ID])
        except DatabaseError:
            connection.close()  # ending the session releases the lock too


class Command(migrate.Command):
    help = (
        "Updates database schema, through DATABASE_DIRECT_URL when it differs from "
        "DATABASE_URL, holding an advisory lock on PostgreSQL."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        connection = connections[alias]
        overrides = None
        if alias == DEFAULT_DB_ALIAS:
            overrides = direct_connection_overrides(
                settings.DATABASE_URL, settings.DATABASE_DIRECT_URL
            )
        if overrides is None:
            with migration_lock(connection):
                super().handle(*args, **options)
            return
        if options["verbosity"] >= 1:
            endpoint = f"{overrides['HOST']}:{overrides['PORT'] or 5432}"
            self.stdout.write(f"Migrating through the direct endpoint {endpoint}.")
        with direct_connection(connection, overrides), migration_lock(connection):
            super().handle(*args, **options)
