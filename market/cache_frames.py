"""The one matrix shape every price read returns, whether it came from Parquet or the
database, so cached and uncached reads compare equal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def finish_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """The shape every read returns: DatetimeIndex ``date`` (ns) x str columns, float64,
    date-sorted, without rows that are empty in every column."""
    import pandas as pd

    matrix = matrix.astype("float64")
    matrix.index = pd.DatetimeIndex(matrix.index).as_unit("ns")
    matrix.index.name = "date"
    matrix.columns = pd.Index([str(c) for c in matrix.columns], dtype="object")
    return matrix.sort_index().dropna(how="all")


def pivot_field(frame: pd.DataFrame, field: str, tickers: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    if frame.empty:
        empty = pd.DataFrame(index=pd.DatetimeIndex([], name="date"), columns=list(tickers))
        return finish_matrix(empty)
    wide = frame.pivot(index="date", columns="ticker", values=field)
    return finish_matrix(wide.reindex(columns=list(tickers)))


def slice_matrix(
    matrix: pd.DataFrame, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    import pandas as pd

    selected = matrix.loc[:, list(tickers)]
    if start is not None:
        selected = selected.loc[selected.index >= pd.Timestamp(start)]
    if end is not None:
        selected = selected.loc[selected.index <= pd.Timestamp(end)]
    return finish_matrix(selected)


def matrix_from_database(
    tickers: Sequence[str], field: str, start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    from market.bar_frame import read_bars_frame

    frame = read_bars_frame(tickers=tickers, fields=[field], start=start, end=end)
    return pivot_field(frame, field, tickers)
