"""Universes from the shipped files, and point-in-time membership (no survivorship bias)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from market import universe_files
from market.errors import UnknownUniverse
from market.models import IndexConstituent, Symbol, Universe
from market.selectors import ever_members, members, universes_with_counts
from market.services import SymbolInfo, UniverseLoadCounts, load_universes, upsert_symbols

pytestmark = pytest.mark.django_db


def expected_sp500_members(on: dt.date) -> list[str]:
    return sorted(
        {
            i.ticker
            for i in universe_files.load_membership_intervals()
            if i.start_date <= on and (i.end_date is None or on < i.end_date)
        }
    )


def test_a_fresh_database_has_the_eight_universes_in_registry_order() -> None:
    # Loaded by the data migration; loading again changes nothing.
    assert load_universes() == UniverseLoadCounts()
    listed = list(
        universes_with_counts().values_list("key", "region", "asset_class", "ticker_count")
    )
    assert listed == [
        ("SPX500", "US", "equity", 503),
        ("NASDAQ100", "US", "equity", 101),
        ("RUSSELL2000", "US", "equity", 120),
        ("US_ETFS", "US", "etf", 40),
        ("ASX200", "AU", "equity", 200),
        ("ASX_TOTAL", "AU", "equity", 259),
        ("ASX_ETFS", "AU", "etf", 25),
        ("CORE_ETFS", "GLOBAL", "etf", 15),
    ]
    spx = Universe.objects.get(key="SPX500")
    assert (spx.name, spx.as_of) == ("S&P 500", dt.date(2026, 8, 5))


def test_current_members_are_the_shipped_lists() -> None:
    for key in ("SPX500", "ASX200", "CORE_ETFS"):
        assert members(index=key) == [m.ticker for m in universe_files.load_members(key)]
    assert "BRK-B" in members(index="SPX500")
    assert {"SPY", "VAS.AX", "GOLD.AX"} <= set(members(index="CORE_ETFS"))


def test_sp500_membership_is_point_in_time() -> None:
    for day in (dt.date(1996, 1, 2), dt.date(2008, 9, 15), dt.date(2020, 12, 21)):
        assert members(index="SPX500", as_of=day) == expected_sp500_members(day)
    in_2010 = members(index="SPX500", as_of=dt.date(2010, 6, 30))
    assert "AABA" not in members(index="SPX500")  # left in 2017
    assert 480 <= len(in_2010) <= 510
    # Tesla joined on 2020-12-21: not a member the trading day before, a member that day.
    assert "TSLA" not in members(index="SPX500", as_of=dt.date(2020, 12, 18))
    assert "TSLA" in members(index="SPX500", as_of=dt.date(2020, 12, 21))
    assert len(ever_members(index="SPX500")) > 1000


def test_an_end_date_is_exclusive() -> None:
    interval = next(i for i in universe_files.load_membership_intervals() if i.end_date is not None)
    assert interval.end_date is not None
    day_before = interval.end_date - dt.timedelta(days=1)
    assert interval.ticker in members(index="SPX500", as_of=day_before)
    assert interval.ticker not in members(index="SPX500", as_of=interval.end_date)


def test_snapshot_universes_have_no_members_before_their_as_of_date() -> None:
    as_of = Universe.objects.get(key="ASX200").as_of
    assert as_of is not None
    assert members(index="ASX200", as_of=as_of - dt.timedelta(days=1)) == []
    assert len(members(index="ASX200", as_of=as_of)) == 200


def test_unknown_universe_names_the_available_ones() -> None:
    with pytest.raises(UnknownUniverse) as caught:
        members(index="spx500")  # keys are case-sensitive
    assert str(caught.value.detail) == (
        "Unknown universe 'spx500'. Available: ['SPX500', 'NASDAQ100', 'RUSSELL2000', "
        "'US_ETFS', 'ASX200', 'ASX_TOTAL', 'ASX_ETFS', 'CORE_ETFS']"
    )
    assert caught.value.status_code == 404


def test_every_member_has_a_symbol_routed_by_its_spelling() -> None:
    tickers = set(ever_members(index="SPX500"))
    for key in ("ASX_TOTAL", "US_ETFS", "CORE_ETFS", "NASDAQ100"):
        tickers |= set(members(index=key))
    assert Symbol.objects.filter(ticker__in=tickers).count() == len(tickers)
    sources = dict(
        Symbol.objects.filter(ticker__in=["AAPL", "BHP.AX", "SPY"]).values_list(
            "ticker", "data_source"
        )
    )
    assert sources == {"AAPL": "tiingo", "BHP.AX": "yahoo", "SPY": "tiingo"}
    bhp = Symbol.objects.get(ticker="BHP.AX")
    assert (bhp.exchange, bhp.currency, bhp.asset_class) == ("ASX", "AUD", "equity")
    spy = Symbol.objects.get(ticker="SPY")
    assert (spy.asset_class, spy.name) == ("etf", "SPDR S&P 500 ETF Trust")
    assert Symbol.objects.get(ticker="AAPL").name == "Apple Inc."


def test_loading_repairs_drift_and_keeps_demo_labels() -> None:
    spx = Universe.objects.get(key="SPX500")
    IndexConstituent.objects.filter(universe=spx, ticker__ticker="AAPL").delete()
    IndexConstituent.objects.filter(universe=spx, ticker__ticker="MSFT").update(
        end_date=dt.date(2030, 1, 1)
    )
    Symbol.objects.get_or_create(ticker="FAKE", defaults={"data_source": "tiingo"})
    IndexConstituent.objects.create(universe=spx, ticker_id="FAKE", start_date=dt.date(2020, 1, 1))
    Universe.objects.filter(key="ASX200").update(name="Renamed")
    upsert_symbols(symbols=[SymbolInfo(ticker="SPY", data_source="demo")])
    total = IndexConstituent.objects.count()

    out = io.StringIO()
    call_command("load_universes", stdout=out)

    assert out.getvalue().startswith(
        "universes 0 created, 1 updated; constituents 1 created, 1 updated, 1 deleted"
    )
    assert IndexConstituent.objects.count() == total
    assert "AAPL" in members(index="SPX500")
    assert "MSFT" in members(index="SPX500")
    assert "FAKE" not in ever_members(index="SPX500")
    assert Universe.objects.get(key="ASX200").name == "ASX 200"
    assert Symbol.objects.get(ticker="SPY").data_source == "demo"

    out = io.StringIO()
    call_command("load_universes", stdout=out)
    assert out.getvalue() == "Universes are up to date.\n"
