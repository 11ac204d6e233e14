"""Fixtures for the market tests: a cache storage of either kind, and a small universe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import boto3
import pytest
from django.core.files.storage import Storage, storages
from django.test import override_settings
from moto import mock_aws

from market.models import IndexConstituent, Symbol, Universe
from parakeet.env import cache_storage_config

BUCKET: Final = "parakeet-market-cache-test"
REGION: Final = "ap-southeast-2"


def _forget_cached_storages() -> None:
    """``storages`` builds each backend once and keeps it (``_storages``, and the settings
    copy in the ``backends`` cached property). Django's setting_changed receiver resets both
    when STORAGES is overridden; doing it here too keeps the fixture correct on its own."""
    storages._storages = {}  # type: ignore[attr-defined]
    storages._backends = None  # type: ignore[attr-defined]
    storages.__dict__.pop("backends", None)


def _use_cache_storage(config: dict[str, object]) -> Iterator[Storage]:
    from django.conf import settings

    with override_settings(STORAGES={**settings.STORAGES, "cache": config}):
        _forget_cached_storages()
        try:
            yield storages["cache"]
        finally:
            _forget_cached_storages()
    _forget_cached_storages()


@pytest.fixture
def local_cache(tmp_path: Path) -> Iterator[Storage]:
    config = cache_storage_config(bucket="", prefix="", region="", local_dir=tmp_path / "cache")
    yield from _use_cache_storage(config)


@pytest.fixture
def s3_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        config = cache_storage_config(
            bucket=BUCKET, prefix="test/cache", region=REGION, local_dir=tmp_path / "unused"
        )
        yield from _use_cache_storage(config)


@pytest.fixture(params=["local", "s3"])
def any_cache(request: pytest.FixtureRequest) -> Storage:
    """The cache storage, once as local files and once as (moto) S3."""
    fixture = "local_cache" if request.param == "local" else "s3_cache"
    storage: Storage = request.getfixturevalue(fixture)
    return storage


def make_universe(key: str, members: dict[str, tuple[dt.date, dt.date | None]]) -> Universe:
    """A universe whose members are ``ticker: (start, end)`` (end exclusive, None = current)."""
    universe = Universe.objects.create(
        key=key, name=key, region="US", asset_class="equity", position=99
    )
    for ticker, (start, end) in members.items():
        Symbol.objects.get_or_create(ticker=ticker, defaults={"data_source": "tiingo"})
        IndexConstituent.objects.create(
            universe=universe, ticker_id=ticker, start_date=start, end_date=end
        )
    return universe
