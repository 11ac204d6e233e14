"""The synthetic demo market: deterministic, labelled, valid, idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import Storage

from market import cache
from market.demo import INSTRUMENTS, demo_bars, load_demo_market
from market.models import DailyBar, Symbol
from market.selectors import members, price_matrix
from market.services import UpsertCounts

pytestmark = pytest.mark.django_db

SUBSET = ("AAPL", "KO", "BHP.AX", "SPY", "TLT", "^VIX")
END = dt.date(2024, 6, 28)


def test_the_catalogue_is_members_of_the_shipped_universes() -> None:
    tickers = {i.ticker for i in INSTRUMENTS}
    assert len(tickers) == len(INSTRUMENTS) == 68
    listed = set(members(index="SPX500")) | set(members(index="ASX200"))
    listed |= set(members(index="US_ETFS")) | set(members(index="ASX_ETFS"))
    assert tickers - listed == {"^VIX"}
    assert sum(t.endswith(".AX") for t in tickers) == 21


def test_bars_are_deterministic_and_independent_of_the_window_and_the_other_tickers() -> None:
    short = list(demo_bars(tickers=["KO"], end=END, years=1))
    again = list(demo_bars(tickers=SUBSET, end=END, years=1))
    longer = list(demo_bars(tickers=["KO", "AAPL"], end=dt.date(2024, 12, 31), years=2))

    assert short == [row for row in again if row.ticker == "KO"]
    assert short == [row for row in longer if row.ticker == "KO" and row.date <= END][-len(short) :]
    assert len(short) == 263  # weekdays from 2023-06-28 to 2024-06-28 inclusive
    assert (short[0].date, short[-1].date) == (dt.date(2023, 6, 28), END)


def test_every_bar_is_valid_labelled_and_plausible() -> None:
    rows = list(demo_bars(tickers=SUBSET, end=END, years=2))
    for row in rows:
        assert row.low <= min(row.open, row.close) <= max(row.open, row.close) <= row.high
        assert row.low > 0
        assert row.adj_close == row.close
        assert row.source == "demo"
        assert row.metadata == {"synthetic": True}
        assert row.volume >= 0
    vix = [float(r.close) for r in rows if r.ticker == "^VIX"]
    assert 9 <= min(vix) < max(vix) < 80
    assert all(r.volume == 0 for r in rows if r.ticker == "^VIX")
    spy_volumes = [r.volume for r in rows if r.ticker == "SPY"]
    assert 10_000_000 < sorted(spy_volumes)[len(spy_volumes) // 2] < 300_000_000


def test_loading_twice_changes_nothing_and_rebuilds_the_caches(local_cache: Storage) -> None:
    out = io.StringIO()
    first = load_demo_market(out, tickers=SUBSET, years=1, end=END)
    stamps = dict(DailyBar.objects.values_list("id", "updated_at"))

    second = load_demo_market(tickers=SUBSET, years=1, end=END)

    assert first.bars == UpsertCounts(inserted=6 * 263)
    assert second.bars == UpsertCounts(unchanged=6 * 263)
    assert dict(DailyBar.objects.values_list("id", "updated_at")) == stamps
    assert out.getvalue() == "Demo bars for 6 symbols: 1578 inserted, 0 updated, 0 unchanged\n"
    assert "synthetic symbols (source 'demo')" in str(second)
    assert set(Symbol.objects.filter(ticker__in=SUBSET).values_list("data_source", flat=True)) == {
        "demo"
    }
    assert Symbol.objects.get(ticker="AAPL").name == "Apple Inc."  # kept from the universe file
    assert {"SPX500", "ASX200", "US_ETFS", "CORE_ETFS"} <= set(second.caches_rebuilt)
    manifest = cache.read_manifest(universe="SPX500")
    assert manifest is not None
    assert manifest.tickers == ["AAPL", "KO"]
    closes = price_matrix(universe="SPX500", tickers=["AAPL"], start=END, end=END)
    stored = DailyBar.objects.get(ticker__ticker="AAPL", date=END).close
    assert closes["AAPL"].tolist() == [float(stored)]
