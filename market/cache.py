"""The Parquet cache: per-universe date x ticker price matrices in the ``cache`` storage.

Layout (local ``var/storage/`` or the S3 cache bucket, through django-storages)::

    prices/{universe}/{field}.parquet   one per field in FIELDS, zstd, a ``date`` column
                                        (date32) then one float64 column per ticker
    prices/{universe}/manifest.json     tickers, date range, rows, sha256 and size per file,
                                        built_at, last bar date (overall and per ticker),
                                        data_version (the newest ``Symbol.bars_changed_at``)

The database is the source of truth; this is a derived copy that is rebuilt whenever it is
missing, stale or corrupt. A read checks the manifest against the database first (one query:
each ticker's newest bar date, by index probe, and its ``bars_changed_at``), so new bars,
revised bars and membership changes all make the cache stale. The manifest is written last,
and a field file whose sha256 does not match it is never trusted.

Reads project columns: only the requested field's file is fetched and only the requested
tickers' columns are decoded. pandas and pyarrow are imported inside the functions that need
them, so the data-status endpoint can list the cache without them.

This module is the public face; the work lives in the ``market.cache_*`` modules:

    cache_manifest      storage layout, the manifest, sha256, ``read_manifest``
    cache_freshness     the database's current state and ``is_fresh``
    cache_frames        the matrix shape every read returns, the database fallback read
    cache_build         writing the Parquet field files and the manifest
    cache_read          reading one field file, hash-checked, with column projection
    cache_price_matrix  ``read_price_matrix``: cache, rebuild or database
    cache_listing       the data-status listing

These are re-exports, so a test that patches a function must patch it where it is defined
(e.g. ``market.cache_build``): the other cache modules look it up there, not here.
"""

from __future__ import annotations

from market.cache_build import rebuild_universe_cache, rebuild_universe_caches
from market.cache_freshness import SourceState, is_fresh, source_state
from market.cache_listing import CacheFileInfo, list_cache_files, newest_cache_build
from market.cache_manifest import (
    CACHE_PREFIX,
    CACHE_STORAGE,
    FIELDS,
    FORMAT_VERSION,
    CacheCorrupt,
    CachedFile,
    CacheManifest,
    cache_storage,
    field_path,
    manifest_path,
    read_manifest,
)
from market.cache_price_matrix import read_price_matrix
from market.cache_read import read_cached_field

__all__ = [
    "CACHE_PREFIX",
    "CACHE_STORAGE",
    "FIELDS",
    "FORMAT_VERSION",
    "CacheCorrupt",
    "CacheFileInfo",
    "CacheManifest",
    "CachedFile",
    "SourceState",
    "cache_storage",
    "field_path",
    "is_fresh",
    "list_cache_files",
    "manifest_path",
    "newest_cache_build",
    "read_cached_field",
    "read_manifest",
    "read_price_matrix",
    "rebuild_universe_cache",
    "rebuild_universe_caches",
    "source_state",
]
