"""What ``/api/data/status`` and ``/api/data/refresh`` report: the Parquet cache as listed in
storage, where that storage is, and what the database holds (contract §2.2, §3.5).

Synchronous reads (storage listing and ORM); the views run them through ``call_sync``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q

from ingest.selectors import last_refresh
from ingest.services import tiingo_configured, yahoo_enabled
from market.cache import CacheFileInfo, cache_storage, list_cache_files
from market.models import Symbol
from market.selectors import price_table_summary

logger = logging.getLogger(__name__)

MEGABYTE: Final = 1024 * 1024
NEWEST_FILES_SHOWN: Final = 10


def size_mb(size: int) -> float:
    return round(size / MEGABYTE, 2)


@dataclass(frozen=True, slots=True)
class CacheListing:
    files: list[CacheFileInfo]  # Parquet files, newest first
    reachable: bool

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def oldest(self) -> dt.datetime | None:
        return min((f.modified for f in self.files), default=None)

    @property
    def newest(self) -> dt.datetime | None:
        return max((f.modified for f in self.files), default=None)


def cache_listing() -> CacheListing:
    """The Parquet objects of the price cache; storage problems leave it empty and flagged."""
    try:
        files = [f for f in list_cache_files() if f.name.endswith(".parquet")]
    except Exception:
        logger.exception("Could not list the price cache")
        return CacheListing([], reachable=False)
    return CacheListing(files, reachable=True)


def storage_location() -> tuple[str, str]:
    """(``s3`` | ``local``, where): ``s3://bucket/prefix`` or the local directory."""
    storage = cache_storage()
    backend = str(settings.STORAGES["cache"]["BACKEND"])
    if "s3" in backend.lower():
        bucket = str(getattr(storage, "bucket_name", "") or "")
        prefix = str(getattr(storage, "location", "") or "").strip("/")
        return "s3", f"s3://{bucket}/{prefix}".rstrip("/")
    return "local", str(getattr(storage, "location", ""))


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def data_status() -> dict[str, Any]:
    """The body of ``GET /api/data/status`` (database errors propagate: the view's 503)."""
    summary = price_table_summary()
    asx = Symbol.objects.filter(last_bar_date__isnull=False).aggregate(
        asx=Count("pk", filter=Q(ticker__endswith=".AX"))
    )["asx"]
    refreshed = last_refresh()
    listing = cache_listing()
    backend, location = storage_location()
    return {
        "tiingo_status": "configured" if tiingo_configured() else "not_configured",
        "yfinance_status": "available" if yahoo_enabled() else "disabled",
        "cache_size_mb": size_mb(listing.total_size),
        "cache_files": len(listing.files),
        "last_refresh": _iso(refreshed),
        "us_tickers_cached": summary.tickers_with_prices - asx,
        "asx_tickers_cached": asx,
        "oldest_cache": _iso(listing.oldest),
        "newest_cache": _iso(listing.newest),
        "storage": {"backend": backend, "location": location, "reachable": listing.reachable},
        "database": {
            "vendor": connection.vendor,
            "reachable": True,
            "price_rows": summary.price_rows,
            "tickers_with_prices": summary.tickers_with_prices,
            "latest_price_date": (
                summary.latest_price_date.isoformat() if summary.latest_price_date else None
            ),
        },
    }


def cache_status() -> dict[str, Any]:
    """The refresh response's ``cache_status``: totals and the 10 newest Parquet files."""
    listing = cache_listing()
    _, location = storage_location()
    return {
        "cache_dir": location,
        "total_files": len(listing.files),
        "total_size_mb": size_mb(listing.total_size),
        "oldest_cache": _iso(listing.oldest),
        "newest_cache": _iso(listing.newest),
        "files": [
            {"name": f.name, "size_mb": size_mb(f.size), "modified": _iso(f.modified)}
            for f in listing.files[:NEWEST_FILES_SHOWN]
        ],
    }
