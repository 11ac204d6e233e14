"""GET /api/data/ingest-runs and /api/data/ingest-runs/{id} (contract §2.2, new)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ingest.models import IngestRun, IngestStatus
from trades.tests.assertions import assert_domain_error, assert_validation_error

pytestmark = pytest.mark.django_db


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def make_run(**fields) -> IngestRun:
    return IngestRun.objects.create(**fields)


def test_a_run_has_the_contract_keys_and_its_counts(api_client):
    started = timezone.now() - dt.timedelta(minutes=2)
    finished = timezone.now()
    errors = [{"ticker": f"T{i}", "message": f"HTTP 500 ({i})"} for i in range(60)]
    run = make_run(
        status=IngestStatus.PARTIAL,
        requested=100,
        succeeded=40,
        failed=60,
        rows_inserted=1200,
        rows_updated=3,
        rows_unchanged=7,
        rows_rejected=1,
        errors=errors,
        started_at=started,
        finished_at=finished,
        message="40 of 100 tickers ok, 60 failed",
        parameters={"tickers": ["AAPL"], "dry_run": False, "trigger": "api"},
    )

    response = api_client.get(f"/api/data/ingest-runs/{run.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": run.pk,
        "status": "partial",
        "requested": 100,
        "succeeded": 40,
        "failed": 60,
        "errors": errors[:50],
        "created_at": iso(run.created_at),
        "started_at": iso(started),
        "finished_at": iso(finished),
        "rows_inserted": 1200,
        "rows_updated": 3,
        "rows_unchanged": 7,
        "rows_rejected": 1,
        "message": "40 of 100 tickers ok, 60 failed",
        "dry_run": False,
        "trigger": "api",
    }


def test_a_queued_run_has_null_times(api_client):
    run = make_run(parameters={})

    body = api_client.get(f"/api/data/ingest-runs/{run.pk}/").json()

    assert (body["status"], body["started_at"], body["finished_at"]) == ("queued", None, None)
    assert (body["errors"], body["trigger"], body["dry_run"]) == ([], "", False)


@pytest.mark.parametrize("pk", ["999", "0", "-1", str(2**70)])
def test_an_unknown_run_is_404(api_client, pk):
    response = api_client.get(f"/api/data/ingest-runs/{pk}")

    assert_domain_error(response, 404, f"Ingest run {pk} not found")


@pytest.mark.parametrize("pk", ["abc", "1.5"])
def test_a_non_integer_id_is_422(api_client, pk):
    response = api_client.get(f"/api/data/ingest-runs/{pk}")

    assert_validation_error(response, (["path", "id"], "int_parsing"))


def test_the_list_is_newest_first_and_paginated(api_client):
    runs = [make_run(requested=i) for i in range(5)]

    first = api_client.get("/api/data/ingest-runs", {"page_size": 2}).json()
    last = api_client.get("/api/data/ingest-runs/", {"page": 3, "page_size": 2}).json()
    past_end = api_client.get("/api/data/ingest-runs", {"page": 9, "page_size": 2}).json()

    assert list(first) == ["ingest_runs", "total", "page", "page_size", "total_pages"]
    assert [r["id"] for r in first["ingest_runs"]] == [runs[4].pk, runs[3].pk]
    assert (first["total"], first["page"], first["page_size"], first["total_pages"]) == (
        5,
        1,
        2,
        3,
    )
    assert [r["id"] for r in last["ingest_runs"]] == [runs[0].pk]
    assert past_end["ingest_runs"] == []
    assert first["ingest_runs"][0] == api_client.get(f"/api/data/ingest-runs/{runs[4].pk}").json()


def test_an_empty_list_has_one_page(api_client):
    body = api_client.get("/api/data/ingest-runs").json()

    assert body == {"ingest_runs": [], "total": 0, "page": 1, "page_size": 50, "total_pages": 1}


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [
        ({"page": 0}, "page", "greater_than_equal"),
        ({"page_size": 201}, "page_size", "less_than_equal"),
        ({"page": "x"}, "page", "int_parsing"),
    ],
)
def test_bad_paging_is_422(api_client, params, loc, type_):
    response = api_client.get("/api/data/ingest-runs", params)

    assert_validation_error(response, (["query", loc], type_))
