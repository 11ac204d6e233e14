"""Scan runs through the services, the task, ``manage.py scan`` and the admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from scanner import services
from scanner.models import ScanRun, ScanStatus
from scanner.tasks import run_scan_task
from strategies.tests.run_support import seed_prices, temporary_cache

pytestmark = pytest.mark.django_db

TICKERS = ["C0", "C1", "C2", "C3"]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


def create(**overrides: Any) -> ScanRun:
    inputs: dict[str, Any] = {
        "scanner_type": "mean_reversion",
        "universe": "sp500",
        "min_price": 5.0,
        "max_price": 500.0,
        "min_volume": 100_000,
        "custom_tickers": TICKERS,
    }
    inputs.update(overrides)
    return services.create_scan_run(**inputs)


def test_a_scan_moves_from_queued_to_completed(monkeypatch: pytest.MonkeyPatch) -> None:
    seed_prices(TICKERS, days=60, universe=None)
    run = create()
    assert (run.status, run.started_at) == (ScanStatus.QUEUED, None)
    seen: list[str] = []
    import scanner.scanning as scanning

    real = scanning.run_scan

    def spy(**kwargs: Any) -> Any:
        seen.append(ScanRun.objects.get(pk=run.pk).status)
        return real(**kwargs)

    monkeypatch.setattr(scanning, "run_scan", spy)

    run_scan_task.enqueue(scan_id=run.scan_id)

    run.refresh_from_db()
    assert seen == [ScanStatus.RUNNING]
    assert run.status == ScanStatus.COMPLETED
    assert run.started_at is not None
    assert run.completed_at is not None
    assert run.started_at <= run.completed_at
    assert run.results_found == len(run.results or []) == len(TICKERS)
    assert run.scan_id.startswith("mean_reversion_")


def test_an_unexpected_error_fails_the_scan_as_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(**kwargs: Any) -> Any:
        raise KeyError("secret")

    monkeypatch.setattr("scanner.scanning.run_scan", boom)
    run = create()

    services.execute_scan(scan_id=run.scan_id)

    run.refresh_from_db()
    assert run.contract_status == "failed: Internal error"


def test_a_scan_is_executed_once() -> None:
    seed_prices(TICKERS, days=60, universe=None)
    run = create()
    services.execute_scan(scan_id=run.scan_id)
    run.refresh_from_db()
    completed_at = run.completed_at

    services.execute_scan(scan_id=run.scan_id)

    run.refresh_from_db()
    assert run.completed_at == completed_at


def test_scans_stuck_past_the_task_timeout_are_failed() -> None:
    now = timezone.now()
    stuck = create()
    ScanRun.objects.filter(pk=stuck.pk).update(
        status=ScanStatus.RUNNING, started_at=now - dt.timedelta(seconds=901)
    )
    fresh = create()

    assert services.expire_stale_scans(now=now) == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.contract_status == "failed: Worker lost (timed out)"
    assert fresh.status == ScanStatus.QUEUED


# --- manage.py scan -------------------------------------------------------------------------


def scan(*args: str) -> str:
    out = StringIO()
    call_command("scan", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_a_scan_and_prints_the_top_rows() -> None:
    seed_prices(TICKERS, days=60, universe=None)

    output = scan("mean_reversion", "--tickers", "C0,C1", "C2", "C3", "--top", "2")

    run = ScanRun.objects.get()
    assert run.status == ScanStatus.COMPLETED
    assert run.custom_tickers == TICKERS
    assert f"Scan {run.scan_id} completed" in output
    assert "4 results, 4 tickers scanned, 0 skipped" in output
    rows = run.results or []
    assert rows[0]["ticker"] in output
    assert rows[1]["ticker"] in output
    assert f"\n{rows[2]['ticker']} " not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["breakout"], "scanner_type:"),
        (["momentum", "--universe", "ftse"], "universe:"),
        (["momentum", "--min-price", "10", "--max-price", "5"], "max_price:"),
        (["momentum", "--tickers", "ZZZ"], "custom_tickers: Unknown tickers"),
        (["momentum", "--param", "lookback_days=3"], "parameters: Invalid parameter"),
    ],
)
def test_bad_input_exits_with_a_clear_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as raised:
        scan(*args)

    assert message in str(raised.value)
    assert ScanRun.objects.count() == 0


def test_a_failed_scan_exits_with_its_reason() -> None:
    with pytest.raises(CommandError) as raised:
        scan("momentum", "--universe", "asx200")

    assert "No stored prices for any of the" in str(raised.value)
    assert ScanRun.objects.get().status == ScanStatus.FAILED


# --- admin ----------------------------------------------------------------------------------


def test_the_admin_is_read_only_with_filters_and_links() -> None:
    run = create()
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))

    listing = client.get("/admin/scanner/scanrun/", {"scanner_type__exact": "mean_reversion"})

    assert listing.status_code == 200
    html = listing.content.decode()
    assert run.scan_id in html
    assert "/api/scanner/results?scanner_type=mean_reversion" in html
    assert client.get("/admin/scanner/scanrun/add/").status_code == 403
    assert client.get(f"/admin/scanner/scanrun/{run.pk}/delete/").status_code == 403
