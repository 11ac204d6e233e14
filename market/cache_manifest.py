"""Where a universe's cache lives, and its manifest: the record of what each field file
holds and the sha256 it must match to be trusted.

The manifest is written last, so a readable one only names field files that were complete
when it was written; a file that no longer matches its hash is treated as corrupt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import Storage, storages

from market.selectors import PRICE_FIELDS

# Named for the public module so log filters and searches set up before the split still match.
logger = logging.getLogger("market.cache")

CACHE_STORAGE = "cache"
CACHE_PREFIX = "prices"
FORMAT_VERSION = 1
FIELDS = PRICE_FIELDS


class CacheCorrupt(Exception):
    """A cache file is missing, unreadable or does not match its manifest."""


def cache_storage() -> Storage:
    return storages[CACHE_STORAGE]


def field_path(*, universe: str, field: str) -> str:
    return f"{CACHE_PREFIX}/{universe}/{field}.parquet"


def manifest_path(*, universe: str) -> str:
    return f"{CACHE_PREFIX}/{universe}/manifest.json"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _date_or_none(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class CachedFile:
    name: str
    sha256: str
    bytes: int


@dataclass(frozen=True, slots=True)
class CacheManifest:
    universe: str
    tickers: list[str]
    first_date: dt.date | None
    last_date: dt.date | None
    rows: int
    files: dict[str, CachedFile]
    built_at: dt.datetime
    last_bar_date: dt.date | None
    last_bar_dates: dict[str, dt.date]
    data_version: dt.datetime | None

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT_VERSION,
                "universe": self.universe,
                "tickers": self.tickers,
                "columns": len(self.tickers),
                "rows": self.rows,
                "first_date": self.first_date.isoformat() if self.first_date else None,
                "last_date": self.last_date.isoformat() if self.last_date else None,
                "files": {
                    field: {"name": f.name, "sha256": f.sha256, "bytes": f.bytes}
                    for field, f in self.files.items()
                },
                "built_at": self.built_at.isoformat(),
                "last_bar_date": self.last_bar_date.isoformat() if self.last_bar_date else None,
                "last_bar_dates": {t: d.isoformat() for t, d in self.last_bar_dates.items()},
                "data_version": self.data_version.isoformat() if self.data_version else None,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> CacheManifest:
        try:
            data: dict[str, Any] = json.loads(raw)
            if data.get("format") != FORMAT_VERSION:
                raise CacheCorrupt(f"unsupported manifest format {data.get('format')!r}")
            version = data["data_version"]
            return cls(
                universe=str(data["universe"]),
                tickers=[str(t) for t in data["tickers"]],
                first_date=_date_or_none(data["first_date"]),
                last_date=_date_or_none(data["last_date"]),
                rows=int(data["rows"]),
                files={
                    str(field): CachedFile(str(f["name"]), str(f["sha256"]), int(f["bytes"]))
                    for field, f in data["files"].items()
                },
                built_at=dt.datetime.fromisoformat(data["built_at"]),
                last_bar_date=_date_or_none(data["last_bar_date"]),
                last_bar_dates={
                    str(t): dt.date.fromisoformat(d) for t, d in data["last_bar_dates"].items()
                },
                data_version=None if version is None else dt.datetime.fromisoformat(version),
            )
        except CacheCorrupt:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CacheCorrupt(f"unreadable manifest: {exc}") from exc


def read_manifest(*, universe: str) -> CacheManifest | None:
    """The stored manifest, or ``None`` when there is none or it cannot be parsed."""
    try:
        with cache_storage().open(manifest_path(universe=universe), "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    try:
        return CacheManifest.from_json(raw)
    except CacheCorrupt as exc:
        logger.warning("Ignoring the price cache manifest of %s: %s", universe, exc)
        return None
