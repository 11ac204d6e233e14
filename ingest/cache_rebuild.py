"""Bringing the Parquet price cache back in line with the bars an ingest run stored."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.selectors import universes_holding


def rebuild_stale_caches(*, tickers: Sequence[str]) -> list[str]:
    """Rebuild the cache of each universe holding one of ``tickers`` whose cache is missing
    or no longer matches the database; returns the universes rebuilt."""
    from market import cache

    rebuilt = []
    for key in universes_holding(tickers=tickers):
        manifest = cache.read_manifest(universe=key)
        if manifest is not None and cache.is_fresh(
            manifest=manifest, state=cache.source_state(universe=key)
        ):
            continue
        cache.rebuild_universe_cache(universe=key)
        rebuilt.append(key)
    return rebuilt
