"""The Parquet cache: built from the database, read with projection, rebuilt when missing,
stale or corrupt; on local files and on (moto) S3."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from market import cache
from market.errors import UnknownUniverse
from market.selectors import price_matrix
from market.services import upsert_bars
from market.tests.conftest import make_universe
from market.tests.factories import START, bar_row, bar_series, business_days

pytestmark = pytest.mark.django_db

DAYS = business_days(START, 6)
CLOSES = {
    "AAA": [10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
    "BBB": [20.0, 20.5, 21.0, 21.5, 22.0, 22.5],
    "CCC": [30.0, 29.0, 28.0],  # left the universe after its third day
    "ZZZ": [50.0, 51.0, 52.0, 53.0, 54.0, 55.0],  # never a member
}


@pytest.fixture
def universe() -> str:
    make_universe(
        "TESTU",
        {
            "AAA": (START, None),
            "BBB": (DAYS[2], None),
            "CCC": (START, DAYS[3]),
            "NODATA": (START, None),
        },
    )
    upsert_bars(
        rows=[row for ticker, closes in CLOSES.items() for row in bar_series(ticker, closes)]
    )
    return "TESTU"


def expected_close(tickers: list[str], days: list[dt.date] = DAYS) -> pd.DataFrame:
    columns = {
        t: pd.Series(CLOSES[t], index=pd.DatetimeIndex(DAYS[: len(CLOSES[t])])) for t in tickers
    }
    frame = pd.DataFrame(columns).reindex(pd.DatetimeIndex(days)).astype("float64")
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    frame.index.name = "date"
    frame.columns = pd.Index(tickers, dtype="object")
    return frame


def read_bytes(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return handle.read()


def test_rebuild_writes_one_zstd_parquet_per_field_and_a_manifest(
    any_cache: Storage, universe: str
) -> None:
    manifest = cache.rebuild_universe_cache(universe=universe)

    assert manifest.tickers == ["AAA", "BBB", "CCC"]  # ever-members with bars, sorted
    assert (manifest.rows, manifest.first_date, manifest.last_date) == (6, DAYS[0], DAYS[5])
    assert manifest.last_bar_date == DAYS[5]
    assert manifest.last_bar_dates == {"AAA": DAYS[5], "BBB": DAYS[5], "CCC": DAYS[2]}
    stored = json.loads(read_bytes(any_cache, "prices/TESTU/manifest.json"))
    assert stored["tickers"] == ["AAA", "BBB", "CCC"]
    assert stored["last_bar_date"] == DAYS[5].isoformat()
    assert set(stored["files"]) == {"open", "high", "low", "close", "adj_close", "volume"}
    for field, entry in stored["files"].items():
        assert entry["name"] == f"prices/TESTU/{field}.parquet"
        data = read_bytes(any_cache, entry["name"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
        parquet = pq.ParquetFile(io.BytesIO(data))
        assert parquet.metadata.row_group(0).column(1).compression == "ZSTD"
        assert parquet.schema_arrow.names == ["date", "AAA", "BBB", "CCC"]
    volume = pq.read_table(io.BytesIO(read_bytes(any_cache, "prices/TESTU/volume.parquet")))
    assert volume.column("CCC").to_pylist() == [1e6, 1e6, 1e6, None, None, None]


def test_price_matrix_of_a_universe_holds_every_member_ever_with_bars(
    any_cache: Storage, universe: str
) -> None:
    matrix = price_matrix(universe=universe)

    pd.testing.assert_frame_equal(matrix, expected_close(["AAA", "BBB", "CCC"]))
    assert any_cache.exists("prices/TESTU/close.parquet")


def test_cached_and_database_reads_agree(local_cache: Storage, universe: str) -> None:
    for field in cache.FIELDS:
        from_cache = price_matrix(universe=universe, field=field)
        from_database = price_matrix(tickers=["AAA", "BBB", "CCC"], field=field)
        pd.testing.assert_frame_equal(from_cache, from_database)
    high = price_matrix(universe=universe, field="high", tickers=["BBB"])
    assert high["BBB"].tolist() == [21.0, 21.5, 22.0, 22.5, 23.0, 23.5]


def test_a_fresh_cache_is_read_without_touching_the_bars(
    local_cache: Storage, universe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = cache.rebuild_universe_cache(universe=universe)

    def no_database_read(**kwargs: object) -> None:
        raise AssertionError("the bars were read from the database")

    monkeypatch.setattr("market.bar_frame.read_bars_frame", no_database_read)
    projected: list[list[str]] = []
    original_read = pq.ParquetFile.read

    def spy(self: pq.ParquetFile, columns: list[str] | None = None, **kwargs: object) -> object:
        projected.append(list(columns or []))
        return original_read(self, columns=columns, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read", spy)

    matrix = price_matrix(universe=universe, tickers=["CCC", "AAA"], field="open")

    assert projected == [["date", "CCC", "AAA"]]
    assert matrix.columns.tolist() == ["CCC", "AAA"]
    assert matrix["AAA"].tolist() == [c - 0.5 for c in CLOSES["AAA"]]
    assert cache.read_manifest(universe=universe) == built


def test_new_bars_make_the_cache_stale_and_it_is_rebuilt(any_cache: Storage, universe: str) -> None:
    cache.rebuild_universe_cache(universe=universe)
    next_day = business_days(START, 7)[6]
    upsert_bars(rows=[bar_row("AAA", next_day, 16.0)])

    matrix = price_matrix(universe=universe)

    assert matrix.index[-1] == pd.Timestamp(next_day)
    assert matrix.at[pd.Timestamp(next_day), "AAA"] == 16.0
    manifest = cache.read_manifest(universe=universe)
    assert manifest is not None
    assert manifest.last_bar_date == next_day


def test_a_revised_old_bar_makes_the_cache_stale(local_cache: Storage, universe: str) -> None:
    cache.rebuild_universe_cache(universe=universe)
    revised = dataclasses.replace(bar_series("BBB", CLOSES["BBB"])[3], adj_close=Decimal("10.75"))
    upsert_bars(rows=[revised])

    adj = price_matrix(universe=universe, field="adj_close", tickers=["BBB"])

    assert adj["BBB"].tolist() == [20.0, 20.5, 21.0, 10.75, 22.0, 22.5]


def test_a_membership_change_makes_the_cache_stale(local_cache: Storage, universe: str) -> None:
    cache.rebuild_universe_cache(universe=universe)
    make_universe("OTHER", {})
    from market.models import IndexConstituent, Universe

    IndexConstituent.objects.create(
        universe=Universe.objects.get(key=universe), ticker_id="ZZZ", start_date=DAYS[4]
    )

    assert price_matrix(universe=universe).columns.tolist() == ["AAA", "BBB", "CCC", "ZZZ"]


def test_a_corrupt_file_fails_its_hash_and_is_rebuilt_from_the_database(
    any_cache: Storage, universe: str
) -> None:
    cache.rebuild_universe_cache(universe=universe)
    name = "prices/TESTU/close.parquet"
    good = read_bytes(any_cache, name)
    any_cache.delete(name)
    any_cache.save(name, ContentFile(b"PAR1 this is not parquet at all PAR1"))

    matrix = price_matrix(universe=universe)

    pd.testing.assert_frame_equal(matrix, expected_close(["AAA", "BBB", "CCC"]))
    assert read_bytes(any_cache, name) == good  # same bars, byte-identical rebuild


def test_a_missing_or_garbled_manifest_means_a_rebuild(local_cache: Storage, universe: str) -> None:
    assert cache.read_manifest(universe=universe) is None
    price_matrix(universe=universe)
    assert cache.read_manifest(universe=universe) is not None

    local_cache.save("prices/TESTU/manifest.json", ContentFile(b"{not json"))
    assert cache.read_manifest(universe=universe) is None
    pd.testing.assert_frame_equal(
        price_matrix(universe=universe), expected_close(["AAA", "BBB", "CCC"])
    )
    assert cache.read_manifest(universe=universe) is not None


def test_tickers_outside_the_universe_come_from_the_database_in_the_order_asked(
    local_cache: Storage, universe: str
) -> None:
    matrix = price_matrix(
        universe=universe, tickers=["ZZZ", "BBB", "NOPE"], start=DAYS[1], end=DAYS[4]
    )

    assert matrix.columns.tolist() == ["ZZZ", "BBB", "NOPE"]
    assert matrix.index.tolist() == [pd.Timestamp(d) for d in DAYS[1:5]]
    assert matrix["ZZZ"].tolist() == [51.0, 52.0, 53.0, 54.0]
    assert matrix["BBB"].tolist() == [20.5, 21.0, 21.5, 22.0]
    assert matrix["NOPE"].isna().all()
    assert matrix.dtypes.unique().tolist() == [np.dtype("float64")]


def test_a_date_window_is_inclusive_on_both_ends(local_cache: Storage, universe: str) -> None:
    cache.rebuild_universe_cache(universe=universe)
    matrix = price_matrix(universe=universe, tickers=["AAA"], start=DAYS[2], end=DAYS[3])
    assert matrix["AAA"].tolist() == [12.0, 13.0]


def test_unknown_universe_and_field_are_refused(local_cache: Storage, universe: str) -> None:
    with pytest.raises(UnknownUniverse, match=r"Unknown universe 'NOPE'\. Available: \["):
        price_matrix(universe="NOPE")
    with pytest.raises(ValueError, match="field must be one of"):
        price_matrix(universe=universe, field="vwap")


def test_the_cache_listing_comes_from_the_manifests(local_cache: Storage, universe: str) -> None:
    assert cache.list_cache_files() == []
    manifest = cache.rebuild_universe_cache(universe=universe)

    files = cache.list_cache_files()

    assert sorted(f.name for f in files) == sorted(
        [*(f"prices/TESTU/{field}.parquet" for field in cache.FIELDS), "prices/TESTU/manifest.json"]
    )
    assert {f.modified for f in files} == {manifest.built_at}
    assert cache.newest_cache_build() == manifest.built_at


def test_a_universe_without_bars_gives_an_empty_matrix_and_a_valid_cache(
    local_cache: Storage,
) -> None:
    make_universe("EMPTY", {"AAA": (START, None)})

    matrix = price_matrix(universe="EMPTY")

    assert matrix.shape == (0, 0)
    assert isinstance(matrix.index, pd.DatetimeIndex)
    manifest = cache.read_manifest(universe="EMPTY")
    assert manifest is not None
    assert (manifest.tickers, manifest.rows, manifest.last_bar_date) == ([], 0, None)
    assert price_matrix(universe="EMPTY", tickers=["AAA", "AAA"]).columns.tolist() == ["AAA"]


def test_bars_marked_bad_never_reach_a_matrix(local_cache: Storage, universe: str) -> None:
    bad = dataclasses.replace(bar_series("AAA", CLOSES["AAA"])[2], data_quality="bad")
    upsert_bars(rows=[bad])

    from_cache = price_matrix(universe=universe, tickers=["AAA"])
    from_database = price_matrix(tickers=["AAA"])

    assert from_database.index.tolist() == [pd.Timestamp(d) for d in DAYS if d != DAYS[2]]
    pd.testing.assert_frame_equal(from_cache, from_database)
    both = price_matrix(universe=universe, tickers=["AAA", "BBB"])
    assert both["AAA"].isna().tolist() == [False, False, True, False, False, False]
