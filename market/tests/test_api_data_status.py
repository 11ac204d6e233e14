"""GET /api/data/status (contract §2.2, §3.5): sources, Parquet cache, storage and database."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from moto import mock_aws

from ingest.models import IngestRun, IngestStatus
from ingest.tests.support import local_cache_storage
from market.cache import read_manifest, rebuild_universe_cache
from market.services import upsert_bars
from market.tests.factories import bar_series
from parakeet.env import cache_storage_config

pytestmark = pytest.mark.django_db

JAN_2 = dt.date(2024, 1, 2)


@pytest.fixture
def cache_dir(settings, tmp_path):
    location = tmp_path / "cache"
    settings.STORAGES = {**settings.STORAGES, "cache": local_cache_storage(location)}
    return location


def status(client):
    response = client.get("/api/data/status")
    assert response.status_code == 200, response.content
    return response.json()


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def finished_run(status: str, finished_at: dt.datetime, **parameters) -> IngestRun:
    run = IngestRun.objects.create(status=status, parameters=parameters)
    IngestRun.objects.filter(pk=run.pk).update(finished_at=finished_at)
    return run


def test_an_empty_warehouse_reports_zeros_and_nulls(api_client, settings, cache_dir):
    settings.TIINGO_API_KEY = ""

    body = status(api_client)

    assert list(body) == [
        "tiingo_status",
        "yfinance_status",
        "cache_size_mb",
        "cache_files",
        "last_refresh",
        "us_tickers_cached",
        "asx_tickers_cached",
        "oldest_cache",
        "newest_cache",
        "storage",
        "database",
    ]
    assert body == {
        "tiingo_status": "not_configured",
        "yfinance_status": "available",
        "cache_size_mb": 0.0,
        "cache_files": 0,
        "last_refresh": None,
        "us_tickers_cached": 0,
        "asx_tickers_cached": 0,
        "oldest_cache": None,
        "newest_cache": None,
        "storage": {"backend": "local", "location": str(cache_dir), "reachable": True},
        "database": {
            "vendor": connection.vendor,
            "reachable": True,
            "price_rows": 0,
            "tickers_with_prices": 0,
            "latest_price_date": None,
        },
    }


def test_stored_prices_cache_files_and_the_last_successful_run_are_reported(
    api_client, settings, cache_dir
):
    settings.TIINGO_API_KEY = "tk_configured"
    settings.PARAKEET_YFINANCE_ENABLED = False
    upsert_bars(rows=bar_series("AAPL", [190.0, 191.0, 192.0], start=JAN_2))
    upsert_bars(rows=bar_series("MSFT", [400.0], start=JAN_2))
    upsert_bars(rows=bar_series("BHP.AX", [45.0, 46.0], start=JAN_2, source="yahoo"))
    manifests = [rebuild_universe_cache(universe=key) for key in ("SPX500", "ASX200")]
    now = timezone.now()
    finished_run(IngestStatus.COMPLETED, now - dt.timedelta(hours=3))
    partial = finished_run(IngestStatus.PARTIAL, now - dt.timedelta(hours=2))
    finished_run(IngestStatus.FAILED, now - dt.timedelta(hours=1))
    finished_run(IngestStatus.COMPLETED, now, dry_run=True)

    body = status(api_client)

    parquet = [f for m in manifests for f in m.files.values()]
    partial.refresh_from_db()
    assert partial.finished_at is not None
    assert body["tiingo_status"] == "configured"
    assert body["yfinance_status"] == "disabled"
    assert body["cache_files"] == len(parquet) == 12
    assert body["cache_size_mb"] == round(sum(f.bytes for f in parquet) / 1024**2, 2)
    assert body["oldest_cache"] == iso(min(m.built_at for m in manifests))
    assert body["newest_cache"] == iso(max(m.built_at for m in manifests))
    assert body["last_refresh"] == iso(partial.finished_at)
    assert (body["us_tickers_cached"], body["asx_tickers_cached"]) == (2, 1)
    assert body["database"] == {
        "vendor": connection.vendor,
        "reachable": True,
        "price_rows": 6,
        "tickers_with_prices": 3,
        "latest_price_date": "2024-01-04",
    }
    assert read_manifest(universe="SPX500") is not None


def test_an_unreachable_database_is_a_503(api_client, cache_dir):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        response = api_client.get("/api/data/status/")

    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable; try again later."}


def test_an_s3_cache_reports_its_bucket_and_prefix(api_client, settings, tmp_path):
    with mock_aws():
        boto3.client("s3", region_name="ap-southeast-2").create_bucket(
            Bucket="parakeet-cache",
            CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"},
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "cache": cache_storage_config(
                bucket="parakeet-cache",
                prefix="/prod/",
                region="ap-southeast-2",
                local_dir=tmp_path,
            ),
        }
        upsert_bars(rows=bar_series("AAPL", [190.0, 191.0], start=JAN_2))
        manifest = rebuild_universe_cache(universe="SPX500")

        body = status(api_client)

    assert body["storage"] == {
        "backend": "s3",
        "location": "s3://parakeet-cache/prod",
        "reachable": True,
    }
    assert body["cache_files"] == 6
    assert body["newest_cache"] == iso(manifest.built_at)


def test_head_answers_like_get_without_a_body(api_client, cache_dir):
    response = api_client.head("/api/data/status")

    assert response.status_code == 200
    assert response.content == b""
