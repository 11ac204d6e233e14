"""The entry point behind ``market.selectors.price_matrix``: serve the cache when it is
fresh, rebuild it when it is not, and fall back to the database when it cannot be used."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from market.cache_build import build_universe_cache
from market.cache_frames import finish_matrix, matrix_from_database, slice_matrix
from market.cache_freshness import is_fresh, source_state
from market.cache_manifest import CacheCorrupt, read_manifest
from market.cache_read import read_cached_field
from market.selectors import get_universe

if TYPE_CHECKING:
    import pandas as pd

# Named for the public module so log filters and searches set up before the split still match.
logger = logging.getLogger("market.cache")


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
        manifest, matrices = build_universe_cache(universe)
    except Exception:
        # Storage down or read-only: answer from the database anyway.
        logger.exception("Could not rebuild the price cache of %s", universe)
        return matrix_from_database(
            state.tickers if tickers is None else [t for t in tickers if t in state.tickers],
            field,
            start,
            end,
        ), state.tickers
    cached = set(manifest.tickers)
    wanted = manifest.tickers if tickers is None else [t for t in tickers if t in cached]
    return slice_matrix(matrices[field], wanted, start, end), manifest.tickers


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
        return finish_matrix(
            matrix_from_database(tickers, field, start, end).reindex(columns=tickers)
        )
    get_universe(key=universe)
    matrix, cached_tickers = _universe_matrix(universe, tickers, field, start, end)
    if tickers is None:
        return matrix
    cached = set(cached_tickers)
    outside = [t for t in dict.fromkeys(tickers) if t not in cached]
    if outside:
        extra = matrix_from_database(outside, field, start, end)
        matrix = pd.concat([matrix, extra], axis=1, join="outer")
    return finish_matrix(matrix.reindex(columns=list(dict.fromkeys(tickers))))
