"""Equity curves and daily returns of backtest runs, as Parquet in the ``cache`` storage.

One file per run, ``backtests/{backtest_id}.parquet``: a ``date`` column (date32) then
``equity`` and ``returns`` (float64; the first day has no return and stores null). zstd
compressed, so a five-year run is a few kilobytes. pandas and pyarrow are imported inside
the functions: the API modules that import this one stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

if TYPE_CHECKING:
    import pandas as pd

CACHE_STORAGE = "cache"
PREFIX = "backtests"


class SeriesMissing(LookupError):
    """The run has no stored series (never written, or the storage lost it)."""


def results_storage() -> Storage:
    return storages[CACHE_STORAGE]


def series_path(*, backtest_id: str) -> str:
    return f"{PREFIX}/{backtest_id}.parquet"


def _write(storage: Storage, name: str, data: bytes) -> None:
    if storage.get_available_name(name) != name:
        # A storage that does not overwrite would save under a new name; replace instead.
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        raise RuntimeError(f"results storage saved {name!r} as {saved!r}")


def save_series(*, backtest_id: str, equity: pd.Series, returns: pd.Series) -> str:
    """Store ``equity`` (one value per day) and ``returns`` (aligned on the same dates; the
    first day may be missing) and return the storage name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = equity.astype("float64").to_frame("equity")
    frame["returns"] = returns.astype("float64").reindex(frame.index)
    columns: dict[str, Any] = {
        "date": pa.array(frame.index.to_numpy(dtype="datetime64[D]"), type=pa.date32()),
        "equity": pa.array(frame["equity"].to_numpy(dtype="float64"), from_pandas=True),
        "returns": pa.array(frame["returns"].to_numpy(dtype="float64"), from_pandas=True),
    }
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink, compression="zstd")
    name = series_path(backtest_id=backtest_id)
    _write(results_storage(), name, bytes(sink.getvalue().to_pybytes()))
    return name


def load_series(*, name: str) -> pd.DataFrame:
    """The stored frame: DatetimeIndex ``date`` x [``equity``, ``returns``] (float64)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not name:
        raise SeriesMissing("the run has no stored series")
    try:
        with results_storage().open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise SeriesMissing(f"{name} is missing from the results storage") from None
    table = pq.read_table(pa.BufferReader(data))
    frame = table.to_pandas(date_as_object=False).set_index("date")
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    return frame.astype("float64")


def delete_series(*, name: str) -> None:
    if name:
        results_storage().delete(name)
