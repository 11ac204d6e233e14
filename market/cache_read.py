"""Reading one cached field file: verified against its manifest hash, then decoded for the
requested tickers' columns and date window only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from market.cache_frames import finish_matrix
from market.cache_manifest import CacheCorrupt, CacheManifest, cache_storage, sha256_hex

if TYPE_CHECKING:
    import pandas as pd


def _between(table: Any, start: dt.date | None, end: dt.date | None) -> Any:
    """The rows of an Arrow table whose ``date`` lies in [start, end]."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if start is not None:
        table = table.filter(pc.greater_equal(table["date"], pa.scalar(start, pa.date32())))
    if end is not None:
        table = table.filter(pc.less_equal(table["date"], pa.scalar(end, pa.date32())))
    return table


def read_cached_field(
    *,
    manifest: CacheManifest,
    field: str,
    tickers: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """``tickers`` (all in the manifest) of one field file, verified against its sha256."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    entry = manifest.files.get(field)
    if entry is None:
        raise CacheCorrupt(f"the manifest of {manifest.universe} lists no {field} file")
    try:
        with cache_storage().open(entry.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise CacheCorrupt(f"{entry.name} is missing") from exc
    if sha256_hex(data) != entry.sha256:
        raise CacheCorrupt(f"{entry.name} does not match its manifest hash")
    try:
        table = pq.ParquetFile(pa.BufferReader(data)).read(columns=["date", *tickers])
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise CacheCorrupt(f"{entry.name} is not readable Parquet: {exc}") from exc
    matrix = _between(table, start, end).to_pandas(date_as_object=False).set_index("date")
    return finish_matrix(matrix)
