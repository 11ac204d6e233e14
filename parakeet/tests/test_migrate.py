"""``migrate`` connects through DATABASE_DIRECT_URL and holds the advisory lock."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models.signals import pre_migrate

from parakeet.management.commands.migrate import MIGRATION_LOCK_ID, direct_connection

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs DATABASE_URL=postgres://..."
)


@pytest.fixture
def seen() -> Iterator[list[dict[str, Any]]]:
    """What the connection looked like while migrate ran (recorded by pre_migrate)."""
    records: list[dict[str, Any]] = []

    def record(sender: Any, using: str, **kwargs: Any) -> None:
        if records:
            return
        entry: dict[str, Any] = {
            "HOST": connection.settings_dict["HOST"],
            "NAME": connection.settings_dict["NAME"],
        }
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('application_name'),"
                    " (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    "  AND pid = pg_backend_pid()"
                    "  AND ((classid::bigint << 32) | objid::bigint) = %s)",
                    [MIGRATION_LOCK_ID],
                )
                entry["application_name"], entry["locks"] = cursor.fetchone()
        records.append(entry)

    pre_migrate.connect(record, dispatch_uid="test_migrate.seen")
    try:
        yield records
    finally:
        pre_migrate.disconnect(dispatch_uid="test_migrate.seen")


def other_host(host: str) -> str:
    spellings = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}
    if host not in spellings:
        pytest.skip(f"no second spelling of the database host {host!r}")
    return spellings[host]


def direct_url_for_this_server(application_name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    port = s["PORT"] or 5432
    host = other_host(s["HOST"])
    return f"postgres://{auth}@{host}:{port}/ignored?application_name={application_name}"


def test_sqlite_or_same_url_is_a_no_op(settings, seen) -> None:
    settings.DATABASE_DIRECT_URL = "sqlite:///elsewhere.sqlite3"
    if connection.vendor == "postgresql":
        settings.DATABASE_DIRECT_URL = settings.DATABASE_URL
    before = dict(connection.settings_dict)
    out = StringIO()
    call_command("migrate", verbosity=1, stdout=out)
    assert dict(connection.settings_dict) == before
    assert "direct endpoint" not in out.getvalue()
    assert seen[0]["HOST"] == before["HOST"]
    assert seen[0]["NAME"] == before["NAME"]
    # The (test) database is still the one in use and still answers.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert cursor.fetchone()[0] > 0


def test_switching_inside_a_transaction_is_refused() -> None:
    switch = direct_connection(connection, {"HOST": "elsewhere"})
    with transaction.atomic(), pytest.raises(CommandError, match="inside a transaction"):
        switch.__enter__()
    assert connection.settings_dict["HOST"] != "elsewhere"


@postgres_only
def test_migrate_uses_the_direct_endpoint_and_keeps_the_database_name(settings, seen) -> None:
    pooled = dict(connection.settings_dict)
    settings.DATABASE_DIRECT_URL = direct_url_for_this_server("parakeet-migrate")
    out = StringIO()
    call_command("migrate", verbosity=1, stdout=out)

    (during,) = seen
    assert during["HOST"] == other_host(pooled["HOST"])
    assert during["NAME"] == pooled["NAME"]  # the test database, not "ignored"
    assert during["application_name"] == "parakeet-migrate"
    assert during["locks"] == 1
    assert f"Migrating through the direct endpoint {during['HOST']}:" in out.getvalue()

    # Afterwards the pooled settings are back and a fresh connection uses them.
    assert dict(connection.settings_dict) == pooled
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('application_name')")
        assert cursor.fetchone()[0] != "parakeet-migrate"


@postgres_only
def test_the_pooled_settings_come_back_when_migrate_fails(settings) -> None:
    pooled = dict(connection.settings_dict)
    settings.DATABASE_DIRECT_URL = direct_url_for_this_server("parakeet-migrate")
    with pytest.raises(CommandError, match="No installed app with label"):
        call_command("migrate", "no_such_app", verbosity=0)
    assert dict(connection.settings_dict) == pooled


@postgres_only
def test_migrate_holds_the_advisory_lock_without_a_direct_url(settings, seen) -> None:
    settings.DATABASE_DIRECT_URL = settings.DATABASE_URL
    call_command("migrate", verbosity=0)
    assert seen[0]["locks"] == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0
