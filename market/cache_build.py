"""Writing a universe's cache: one zstd Parquet file per field, then the manifest."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils import timezone

from market.cache_frames import pivot_field
from market.cache_freshness import source_state
from market.cache_manifest import (
    FIELDS,
    CachedFile,
    CacheManifest,
    cache_storage,
    field_path,
    manifest_path,
    sha256_hex,
)
from market.models import Universe
from market.selectors import get_universe

if TYPE_CHECKING:
    import pandas as pd

# Named for the public module so log filters and searches set up before the split still match.
logger = logging.getLogger("market.cache")


def write_in_place(storage: Storage, name: str, data: bytes) -> None:
    if storage.get_available_name(name) != name:
        # A storage that does not overwrite (S3's file_overwrite, FileSystemStorage's
        # allow_overwrite) would keep the old file and save under a new name.
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        raise RuntimeError(f"cache storage saved {name!r} as {saved!r}")


def parquet_bytes(matrix: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {
        "date": pa.array(matrix.index.to_numpy(dtype="datetime64[D]"), type=pa.date32())
    }
    for ticker in matrix.columns:
        # from_pandas: a missing price is a Parquet null, not a NaN value.
        columns[str(ticker)] = pa.array(matrix[ticker].to_numpy(dtype="float64"), from_pandas=True)
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def build_universe_cache(universe: str) -> tuple[CacheManifest, dict[str, pd.DataFrame]]:
    """Read the universe's bars, write every field file and then the manifest."""
    from market.bar_frame import read_bars_frame

    # State first: bars that land while we read make the cache look stale, never fresh.
    state = source_state(universe=universe)
    tickers = state.tickers
    frame = read_bars_frame(tickers=tickers, fields=FIELDS)
    matrices = {field: pivot_field(frame, field, tickers) for field in FIELDS}
    dates = matrices["close"].index.union(matrices["open"].index)
    storage = cache_storage()
    files: dict[str, CachedFile] = {}
    for field, matrix in matrices.items():
        data = parquet_bytes(matrix)
        name = field_path(universe=universe, field=field)
        write_in_place(storage, name, data)
        files[field] = CachedFile(name=name, sha256=sha256_hex(data), bytes=len(data))
    manifest = CacheManifest(
        universe=universe,
        tickers=tickers,
        first_date=dates.min().date() if len(dates) else None,
        last_date=dates.max().date() if len(dates) else None,
        rows=len(dates),
        files=files,
        built_at=timezone.now(),
        last_bar_date=max(state.last_bar_dates.values(), default=None),
        last_bar_dates=state.last_bar_dates,
        data_version=state.data_version,
    )
    write_in_place(storage, manifest_path(universe=universe), manifest.to_json().encode())
    return manifest, matrices


def rebuild_universe_cache(*, universe: str) -> CacheManifest:
    """Rewrite ``prices/{universe}/`` from the database and return its new manifest."""
    get_universe(key=universe)
    manifest, _ = build_universe_cache(universe)
    logger.info(
        "Rebuilt price cache for %s: %d tickers x %d dates",
        universe,
        len(manifest.tickers),
        manifest.rows,
    )
    return manifest


def rebuild_universe_caches(*, tickers: Iterable[str] | None = None) -> list[CacheManifest]:
    """Rebuild the cache of every universe that has (ever) held one of ``tickers``, or of
    every universe with any bars when ``tickers`` is ``None``. Call after an ingest."""
    universes = Universe.objects.all()
    if tickers is not None:
        universes = universes.filter(constituents__ticker__in=list(tickers))
    else:
        universes = universes.filter(constituents__ticker__last_bar_date__isnull=False)
    keys = sorted(set(universes.values_list("key", flat=True)))
    return [rebuild_universe_cache(universe=key) for key in keys]
