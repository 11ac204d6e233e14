"""``ingest.tasks.run_ingest``: a queued IngestRun executed by the task backend or a Lambda
task event, to completed, partial or failed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone

from ingest.models import IngestRun, IngestStatus
from ingest.planning import IngestParameters, Trigger
from ingest.services import create_run
from ingest.tasks import run_ingest
from ingest.tests.fake_market import TEST_TIINGO_KEY, FakeMarket
from ingest.tests.support import local_cache_storage
from market.models import DailyBar
from parakeet.lambda_runtime.tasks import run_task_event

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()


@pytest.fixture
def market(settings, tmp_path):
    settings.TIINGO_API_KEY = TEST_TIINGO_KEY
    settings.STORAGES = {**settings.STORAGES, "cache": local_cache_storage(tmp_path)}
    fake = FakeMarket()
    fake.add("AAPL", TODAY - dt.timedelta(days=20), TODAY)
    fake.add("BHP.AX", TODAY - dt.timedelta(days=20), TODAY)
    fake.not_found.add("GONE")
    with fake.installed():
        yield fake


def queued(*tickers: str, **kwargs) -> IngestRun:
    return create_run(parameters=IngestParameters(tickers=tickers, trigger=Trigger.API, **kwargs))


def test_a_queued_run_is_executed_to_completed(market):
    run = queued("AAPL", "BHP.AX")
    assert run.status == IngestStatus.QUEUED

    result = run_ingest.enqueue(run.pk)

    run.refresh_from_db()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["status"] == "completed"
    assert result.return_value["ingest_run_id"] == run.pk
    assert run.status == IngestStatus.COMPLETED
    assert (run.requested, run.succeeded, run.failed) == (2, 2, 0)
    assert run.rows_inserted == DailyBar.objects.count() > 0
    assert run.started_at is not None
    assert run.finished_at is not None


def test_failed_tickers_make_the_run_partial(market):
    run = queued("AAPL", "GONE")

    run_ingest.enqueue(run.pk)

    run.refresh_from_db()
    assert run.status == IngestStatus.PARTIAL
    assert run.errors == [{"ticker": "GONE", "message": "Tiingo: Error: Ticker 'GONE' not found"}]


def test_a_run_where_every_ticker_fails_is_failed(market):
    run = queued("GONE")

    run_ingest.enqueue(run.pk)

    run.refresh_from_db()
    assert run.status == IngestStatus.FAILED
    assert run.message.startswith("every ticker failed")
    assert run.failed == 1


def test_a_run_that_cannot_start_is_failed_with_the_reason(market):
    run = create_run(parameters=IngestParameters(universes=("NOPE",)))

    result = run_ingest.enqueue(run.pk)

    run.refresh_from_db()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "ingest.errors.IngestCannotStart"
    assert run.status == IngestStatus.FAILED
    assert run.message.startswith("Unknown universe 'NOPE'. Available: ['SPX500', ")
    assert run.finished_at is not None
    assert market.requests == []


def test_a_run_that_is_not_queued_is_not_run_again(market):
    run = queued("AAPL")
    run_ingest.enqueue(run.pk)
    run.refresh_from_db()
    finished_at = run.finished_at

    again = run_ingest.enqueue(run.pk)

    run.refresh_from_db()
    assert again.return_value == {"ingest_run_id": run.pk, "status": "completed", "skipped": True}
    assert run.finished_at == finished_at
    assert len(market.requests_for("AAPL")) == 1


def test_the_worker_lambda_runs_it_from_a_task_event(market):
    run = queued("BHP.AX")

    response = run_task_event({"task": "ingest.tasks.run_ingest", "args": [run.pk]})

    run.refresh_from_db()
    assert response["status"] == "succeeded"
    assert response["result"]["status"] == "completed"
    assert run.status == IngestStatus.COMPLETED
    assert DailyBar.objects.filter(ticker__ticker="BHP.AX").count() == run.rows_inserted
