"""POST /api/data/refresh (contract §2.2, §3.5): queue an ingest run, run it as a task."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.tasks.backends.base import BaseTaskBackend
from django.utils import timezone

from ingest.models import IngestRun, IngestStatus
from ingest.tests.fake_market import TEST_TIINGO_KEY, FakeMarket
from ingest.tests.support import local_cache_storage
from market.models import DailyBar
from market.universe_files import load_members
from trades.tests.assertions import assert_domain_error, assert_validation_error

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
BROKEN_TASKS = {"default": {"BACKEND": "market.tests.test_api_data_refresh.BrokenQueue"}}


class BrokenQueue(BaseTaskBackend):
    """A task backend whose queue cannot be reached."""

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        raise ConnectionError("Lambda Invoke: endpoint unreachable")


@pytest.fixture
def cache_dir(settings, tmp_path):
    location = tmp_path / "cache"
    settings.STORAGES = {**settings.STORAGES, "cache": local_cache_storage(location)}
    return location


@pytest.fixture
def market(settings, cache_dir):
    settings.TIINGO_API_KEY = TEST_TIINGO_KEY
    fake = FakeMarket()
    fake.add("AAPL", TODAY - dt.timedelta(days=20), TODAY)
    fake.add("BHP.AX", TODAY - dt.timedelta(days=20), TODAY)
    with fake.installed():
        yield fake


def refresh(client, body, path="/api/data/refresh"):
    return client.post(path, body, format="json")


def test_a_refresh_queues_a_run_that_the_task_completes(api_client, market, cache_dir):
    before = timezone.now()

    response = refresh(api_client, {"tickers": ["aapl", "BHP.AX", "AAPL"]})

    assert response.status_code == 200, response.content
    body = response.json()
    run = IngestRun.objects.get()
    assert list(body) == [
        "status",
        "message",
        "tickers_refreshed",
        "timestamp",
        "cache_status",
        "ingest_run_id",
    ]
    assert body["status"] == "started"
    assert body["message"] == "Refreshing 1 US tickers (Tiingo) and 1 ASX tickers (yFinance)"
    assert body["tickers_refreshed"] == 2
    assert body["ingest_run_id"] == run.pk
    timestamp = dt.datetime.fromisoformat(body["timestamp"])
    assert body["timestamp"].endswith("Z")
    assert before <= timestamp <= timezone.now()
    # The immediate task backend ran the task inside the request.
    assert run.status == IngestStatus.COMPLETED
    assert (run.requested, run.succeeded, run.failed) == (2, 2, 0)
    assert run.parameters["tickers"] == ["AAPL", "BHP.AX"]
    assert run.parameters["trigger"] == "api"
    assert run.parameters["force"] is False
    assert DailyBar.objects.filter(ticker__ticker="AAPL").count() == run.rows_inserted - (
        DailyBar.objects.filter(ticker__ticker="BHP.AX").count()
    )
    cache = body["cache_status"]
    assert list(cache) == [
        "cache_dir",
        "total_files",
        "total_size_mb",
        "oldest_cache",
        "newest_cache",
        "files",
    ]
    assert cache["cache_dir"] == str(cache_dir)
    assert cache["total_files"] > 10
    assert len(cache["files"]) == 10
    assert {list(f) == ["name", "size_mb", "modified"] for f in cache["files"]} == {True}
    assert all(f["name"].startswith("prices/") for f in cache["files"])
    assert all(f["name"].endswith(".parquet") for f in cache["files"])
    modified = [f["modified"] for f in cache["files"]]
    assert modified == sorted(modified, reverse=True)
    assert cache["newest_cache"] == modified[0]


def test_the_run_shows_up_completed_in_the_audit_trail(api_client, market):
    run_id = refresh(api_client, {"tickers": ["AAPL"], "force": True}).json()["ingest_run_id"]

    response = api_client.get(f"/api/data/ingest-runs/{run_id}")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["succeeded"] == 1
    assert IngestRun.objects.get().parameters["force"] is True


def test_force_fetches_the_default_history_again(api_client, market):
    refresh(api_client, {"tickers": ["AAPL"]})
    refresh(api_client, {"tickers": ["AAPL"]})
    refresh(api_client, {"tickers": ["AAPL"], "force": True})

    first, incremental, forced = (r.url.params["startDate"] for r in market.requests_for("AAPL"))
    assert incremental > first
    assert forced == first  # stored bars are ignored: the whole default history again


@pytest.mark.parametrize("tickers", [None, []])
def test_without_tickers_the_default_universes_are_queued(api_client, settings, tickers):
    settings.TASKS = DUMMY_TASKS  # leave the run queued: 700+ tickers are not fetched here
    us = {*load_members("SPX500"), *load_members("US_ETFS")}
    asx = set(load_members("ASX200"))

    body = refresh(api_client, {"tickers": tickers}).json()

    us_count = len({m.ticker for m in us})
    asx_count = len({m.ticker for m in asx})
    assert body["message"] == (
        f"Refreshing {us_count} US tickers (Tiingo) and {asx_count} ASX tickers (yFinance)"
    )
    assert body["tickers_refreshed"] == us_count + asx_count
    run = IngestRun.objects.get()
    assert run.status == IngestStatus.QUEUED
    assert run.parameters["universes"] == ["SPX500", "US_ETFS", "ASX200"]
    assert run.parameters["tickers"] == []


def test_an_empty_object_is_a_refresh_of_everything(api_client, settings):
    settings.TASKS = DUMMY_TASKS

    response = refresh(api_client, {})

    assert response.status_code == 200
    assert response.json()["tickers_refreshed"] > 700


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (None, [(["body"], "missing")]),
        (
            {"tickers": ["AAPL", "NOT A TICKER", "X" * 21, ""]},
            [
                (["body", "tickers", 1], "string_pattern_mismatch"),
                (["body", "tickers", 2], "string_pattern_mismatch"),
                (["body", "tickers", 3], "string_too_short"),
            ],
        ),
        ({"tickers": "AAPL"}, [(["body", "tickers"], "value_error")]),
        ({"tickers": ["AAPL"] * 2001}, [(["body", "tickers"], "string_too_long")]),
        ({"force": "perhaps"}, [(["body", "force"], "bool_parsing")]),
    ],
)
def test_bad_bodies_are_422_and_queue_nothing(api_client, settings, body, expected):
    settings.TASKS = DUMMY_TASKS

    response = api_client.post(
        "/api/data/refresh", body, format="json" if body is not None else None
    )

    assert_validation_error(response, *expected)
    assert not IngestRun.objects.exists()


def test_malformed_json_is_422(api_client):
    response = api_client.post(
        "/api/data/refresh/", data=b"{tickers: [", content_type="application/json"
    )

    assert_validation_error(response, (["body"], "json_invalid"))
    assert not IngestRun.objects.exists()


def test_an_unreachable_task_queue_is_a_503_and_the_run_is_failed(api_client, settings):
    settings.TASKS = BROKEN_TASKS

    response = refresh(api_client, {"tickers": ["AAPL"]})

    assert_domain_error(
        response, 503, "The task queue is unavailable; the refresh was not started."
    )
    run = IngestRun.objects.get()
    assert run.status == IngestStatus.FAILED
    assert run.message == "could not enqueue the run: ConnectionError"
    assert run.finished_at is not None


def test_with_auth_on_a_refresh_needs_credentials(api_client, settings):
    settings.PARAKEET_AUTH_REQUIRED = True
    settings.TASKS = DUMMY_TASKS

    response = refresh(api_client, {"tickers": ["AAPL"]})

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert not IngestRun.objects.exists()
