"""``STORAGES["cache"]``: local files by default, S3 (django-storages) with a bucket."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import boto3
import pandas as pd
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from moto import mock_aws

from parakeet.env import cache_storage_config

BUCKET = "parakeet-cache-test"
REGION: Final = "ap-southeast-2"
NAME = "prices/sp500/close.parquet"


def parquet_bytes() -> bytes:
    frame = pd.DataFrame(
        {"AAPL": [189.5, 190.25, None], "MSFT": [410.0, 412.5, 415.0]},
        index=pd.to_datetime(["2026-11-25", "2026-11-26", "2026-11-27"]),
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def exercise(storage: Storage) -> None:
    """The operations the Parquet cache uses: save, exists, open, listdir, size, delete."""
    data = parquet_bytes()
    assert storage.save(NAME, ContentFile(data)) == NAME
    # Snapshots are rewritten in place (file_overwrite), never renamed with a suffix.
    assert storage.save(NAME, ContentFile(data)) == NAME
    storage.save("prices/sp500/manifest.json", ContentFile(b'{"rows": 3}'))
    assert storage.exists(NAME)
    assert not storage.exists("prices/sp500/open.parquet")
    with storage.open(NAME, "rb") as handle:
        read_back = handle.read()
    assert read_back == data
    frame = pd.read_parquet(io.BytesIO(read_back))
    assert list(frame.columns) == ["AAPL", "MSFT"]
    assert frame["MSFT"].iloc[-1] == 415.0
    dirs, files = storage.listdir("prices/sp500")
    assert (dirs, sorted(files)) == ([], ["close.parquet", "manifest.json"])
    assert storage.listdir("prices")[0] == ["sp500"]
    assert storage.size(NAME) == len(data)
    storage.delete(NAME)
    assert not storage.exists(NAME)


def test_default_cache_storage_is_local_files_under_var_storage() -> None:
    expected = Path(django_settings.VAR_DIR) / "storage"
    assert django_settings.STORAGES["cache"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(expected), "allow_overwrite": True},
    }
    storage = storages["cache"]
    assert isinstance(storage, FileSystemStorage)
    assert Path(storage.location) == expected.resolve()


def test_local_cache_storage_round_trip(settings, tmp_path: Path) -> None:
    config = cache_storage_config(bucket="", prefix="ignored", region="", local_dir=tmp_path)
    settings.STORAGES = {**settings.STORAGES, "cache": config}
    exercise(storages["cache"])
    assert (tmp_path / "prices/sp500/manifest.json").read_bytes() == b'{"rows": 3}'


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


@pytest.mark.parametrize(("prefix", "key_prefix"), [("prod/cache", "prod/cache/"), ("", "")])
def test_s3_cache_storage_round_trip_under_the_prefix(
    settings, tmp_path: Path, s3: Any, prefix: str, key_prefix: str
) -> None:
    config = cache_storage_config(bucket=BUCKET, prefix=prefix, region=REGION, local_dir=tmp_path)
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "cache": config}
    storage = storages["cache"]
    assert type(storage).__name__ == "S3Storage"

    storage.save("prices/sp500/close.parquet", ContentFile(parquet_bytes()))
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [f"{key_prefix}prices/sp500/close.parquet"]
    head = s3.head_object(Bucket=BUCKET, Key=keys[0])
    assert head["ContentLength"] == len(parquet_bytes())

    exercise(storage)
    remaining = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert remaining == [f"{key_prefix}prices/sp500/manifest.json"]
    assert nothing_written_locally(tmp_path)


def nothing_written_locally(path: Path) -> bool:
    return not any(path.iterdir())


def test_s3_objects_are_private_and_urls_unsigned(settings, tmp_path: Path, s3: Any) -> None:
    config = cache_storage_config(bucket=BUCKET, prefix="p", region=REGION, local_dir=tmp_path)
    settings.STORAGES = {**settings.STORAGES, "cache": config}
    storage = storages["cache"]
    storage.save("a.parquet", ContentFile(b"PAR1"))
    grants = s3.get_object_acl(Bucket=BUCKET, Key="p/a.parquet")["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)
    assert "X-Amz-Signature" not in storage.url("a.parquet")
