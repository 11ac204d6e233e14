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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from market.models import DailyBar, Symbol, Universe
from market.selectors import PRICE_FIELDS, get_universe

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

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


def _sha256(data: bytes) -> str:
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


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the database holds now for a universe's tickers (those with at least one bar)."""

    last_bar_dates: dict[str, dt.date]
    data_version: dt.datetime | None

    @property
    def tickers(self) -> list[str]:
        return sorted(self.last_bar_dates)


def source_state(*, universe: str) -> SourceState:
    """Newest bar date per ticker that was ever in ``universe`` and has bars, and the newest
    ``bars_changed_at`` among them."""
    latest = (
        DailyBar.objects.filter(ticker_id=OuterRef("ticker")).order_by("-date").values("date")[:1]
    )
    rows = (
        Symbol.objects.filter(memberships__universe__key=universe)
        .annotate(latest=Subquery(latest))
        .filter(latest__isnull=False)
        .values_list("ticker", "latest", "bars_changed_at")
        .distinct()
    )
    last_bar_dates: dict[str, dt.date] = {}
    versions: list[dt.datetime] = []
    for ticker, day, changed_at in rows:
        last_bar_dates[ticker] = day
        if changed_at is not None:
            versions.append(changed_at)
    return SourceState(last_bar_dates, max(versions, default=None))


def is_fresh(*, manifest: CacheManifest, state: SourceState) -> bool:
    if manifest.last_bar_dates != state.last_bar_dates:
        return False  # new bars, a new ticker, or a ticker gone from the universe
    if state.data_version is None:
        return True
    return manifest.data_version is not None and state.data_version <= manifest.data_version


# --- building -----------------------------------------------------------------------------


def _write(storage: Storage, name: str, data: bytes) -> None:
    if storage.get_available_name(name) != name:
        # A storage that does not overwrite (S3's file_overwrite, FileSystemStorage's
        # allow_overwrite) would keep the old file and save under a new name.
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        raise RuntimeError(f"cache storage saved {name!r} as {saved!r}")


def _parquet_bytes(matrix: pd.DataFrame) -> bytes:
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


def _finish(matrix: pd.DataFrame) -> pd.DataFrame:
    """The shape every read returns: DatetimeIndex ``date`` (ns) x str columns, float64,
    date-sorted, without rows that are empty in every column."""
    import pandas as pd

    matrix = matrix.astype("float64")
    matrix.index = pd.DatetimeIndex(matrix.index).as_unit("ns")
    matrix.index.name = "date"
    matrix.columns = pd.Index([str(c) for c in matrix.columns], dtype="object")
    return matrix.sort_index().dropna(how="all")


def _pivot(frame: pd.DataFrame, field: str, tickers: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    if frame.empty:
        empty = pd.DataFrame(index=pd.DatetimeIndex([], name="date"), columns=list(tickers))
        return _finish(empty)
    wide = frame.pivot(index="date", columns="ticker", values=field)
    return _finish(wide.reindex(columns=list(tickers)))


def _build(universe: str) -> tuple[CacheManifest, dict[str, pd.DataFrame]]:
    """Read the universe's bars, write every field file and then the manifest."""
    from market.bar_frame import read_bars_frame

    # State first: bars that land while we read make the cache look stale, never fresh.
    state = source_state(universe=universe)
    tickers = state.tickers
    frame = read_bars_frame(tickers=tickers, fields=FIELDS)
    matrices = {field: _pivot(frame, field, tickers) for field in FIELDS}
    dates = matrices["close"].index.union(matrices["open"].index)
    storage = cache_storage()
    files: dict[str, CachedFile] = {}
    for field, matrix in matrices.items():
        data = _parquet_bytes(matrix)
        name = field_path(universe=universe, field=field)
        _write(storage, name, data)
        files[field] = CachedFile(name=name, sha256=_sha256(data), bytes=len(data))
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
    _write(storage, manifest_path(universe=universe), manifest.to_json().encode())
    return manifest, matrices


def rebuild_universe_cache(*, universe: str) -> CacheManifest:
    """Rewrite ``prices/{universe}/`` from the database and return its new manifest."""
    get_universe(key=universe)
    manifest, _ = _build(universe)
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


# --- reading ------------------------------------------------------------------------------


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
    if _sha256(data) != entry.sha256:
        raise CacheCorrupt(f"{entry.name} does not match its manifest hash")
    try:
        table = pq.ParquetFile(pa.BufferReader(data)).read(columns=["date", *tickers])
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise CacheCorrupt(f"{entry.name} is not readable Parquet: {exc}") from exc
    matrix = _between(table, start, end).to_pandas(date_as_object=False).set_index("date")
    return _finish(matrix)


def _from_database(
    tickers: Sequence[str], field: str, start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    from market.bar_frame import read_bars_frame

    frame = read_bars_frame(tickers=tickers, fields=[field], start=start, end=end)
    return _pivot(frame, field, tickers)


def _slice(
    matrix: pd.DataFrame, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    import pandas as pd

    selected = matrix.loc[:, list(tickers)]
    if start is not None:
        selected = selected.loc[selected.index >= pd.Timestamp(start)]
    if end is not None:
        selected = selected.loc[selected.index <= pd.Timestamp(end)]
    return _finish(selected)


def _universe_matrix(
    universe: str,
    tickers: list[str] | None,
    field: str,
    start: dt.date | None,
    end: dt.date | None,
) -> tuple[pd.DataFrame, list[str]]:
    """The universe part of a read, and the universe's cached tickers."""
    state = source_state(universe=universe)
    for attempt in range(2):
        manifest = read_manifest(universe=universe)
        if manifest is None or not is_fresh(manifest=manifest, state=state):
            break
        cached = set(manifest.tickers)
        wanted = manifest.tickers if tickers is None else [t for t in tickers if t in cached]
        try:
            matrix = read_cached_field(
                manifest=manifest, field=field, tickers=wanted, start=start, end=end
            )
        except CacheCorrupt as exc:
            # Once more with a fresh manifest: a concurrent rebuild may be half written.
            logger.warning("Price cache of %s unusable (attempt %d): %s", universe, attempt, exc)
            continue
        return matrix, manifest.tickers
    try:
        manifest, matrices = _build(universe)
    except Exception:
        # Storage down or read-only: answer from the database anyway.
        logger.exception("Could not rebuild the price cache of %s", universe)
        return _from_database(
            state.tickers if tickers is None else [t for t in tickers if t in state.tickers],
            field,
            start,
            end,
        ), state.tickers
    cached = set(manifest.tickers)
    wanted = manifest.tickers if tickers is None else [t for t in tickers if t in cached]
    return _slice(matrices[field], wanted, start, end), manifest.tickers


def read_price_matrix(
    *,
    universe: str | None,
    tickers: list[str] | None,
    field: str,
    start: dt.date | None,
    end: dt.date | None,
) -> pd.DataFrame:
    """See ``market.selectors.price_matrix``."""
    import pandas as pd

    if universe is None:
        assert tickers is not None
        return _finish(_from_database(tickers, field, start, end).reindex(columns=tickers))
    get_universe(key=universe)
    matrix, cached_tickers = _universe_matrix(universe, tickers, field, start, end)
    if tickers is None:
        return matrix
    cached = set(cached_tickers)
    outside = [t for t in dict.fromkeys(tickers) if t not in cached]
    if outside:
        extra = _from_database(outside, field, start, end)
        matrix = pd.concat([matrix, extra], axis=1, join="outer")
    return _finish(matrix.reindex(columns=list(dict.fromkeys(tickers))))


# --- listing (data-status endpoint) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheFileInfo:
    name: str
    size: int
    modified: dt.datetime


def list_cache_files() -> list[CacheFileInfo]:
    """Every cache file described by a readable manifest (the manifests included), newest
    first. One storage read per universe; no pandas."""
    storage = cache_storage()
    try:
        universes, _ = storage.listdir(CACHE_PREFIX)
    except FileNotFoundError:
        return []
    files: list[CacheFileInfo] = []
    for universe in sorted(universes):
        manifest = read_manifest(universe=universe)
        if manifest is None:
            continue
        files.extend(
            CacheFileInfo(name=f.name, size=f.bytes, modified=manifest.built_at)
            for f in manifest.files.values()
        )
        files.append(
            CacheFileInfo(
                name=manifest_path(universe=universe),
                size=len(manifest.to_json().encode()),
                modified=manifest.built_at,
            )
        )
    return sorted(files, key=lambda f: (f.modified, f.name), reverse=True)


def newest_cache_build() -> dt.datetime | None:
    """When the most recent manifest was written (``None`` without any cache)."""
    return max((f.modified for f in list_cache_files()), default=None)
