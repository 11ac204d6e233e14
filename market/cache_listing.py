"""What the data-status endpoint shows of the cache, taken from the manifests alone so it
needs one storage read per universe and never pandas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from market.cache_manifest import CACHE_PREFIX, cache_storage, manifest_path, read_manifest


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
