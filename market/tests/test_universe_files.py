"""The universe files shipped in market/data/universes, as the API contract (§5) describes them."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections import defaultdict

import pytest

from market.universe_files import (
    MembershipInterval,
    UnknownUniverse,
    data_dir,
    load_members,
    load_membership_intervals,
    load_registry,
    source_ticker,
)

CONTRACT_TABLE = [
    ("SPX500", "S&P 500", "500 largest US companies by market cap", "US", "equity"),
    ("NASDAQ100", "NASDAQ 100", "100 largest non-financial NASDAQ companies", "US", "equity"),
    ("RUSSELL2000", "Russell 2000", "Small-cap US stocks (representative sample)", "US", "equity"),
    ("US_ETFS", "US ETFs", "Broad US-listed ETFs across asset classes", "US", "etf"),
    ("ASX200", "ASX 200", "200 largest Australian companies", "AU", "equity"),
    (
        "ASX_TOTAL",
        "ASX Total Market",
        "Extended Australian market including mid-caps",
        "AU",
        "equity",
    ),
    ("ASX_ETFS", "ASX ETFs", "Australian-listed ETFs", "AU", "etf"),
    ("CORE_ETFS", "Core ETFs", "Essential ETFs for portfolio construction", "GLOBAL", "etf"),
]
KEYS = [row[0] for row in CONTRACT_TABLE]
US_KEYS = ["SPX500", "NASDAQ100", "RUSSELL2000", "US_ETFS"]
AU_KEYS = ["ASX200", "ASX_TOTAL", "ASX_ETFS"]
REFRESH_TICKER = re.compile(r"^[A-Z0-9.^=-]{1,20}$")  # contract §2.2 refresh validation


def tickers(key: str) -> list[str]:
    return [member.ticker for member in load_members(key)]


def members_on(day: dt.date, intervals: list[MembershipInterval]) -> set[str]:
    return {
        interval.ticker
        for interval in intervals
        if interval.start_date <= day and (interval.end_date is None or day < interval.end_date)
    }


@pytest.fixture(scope="module")
def intervals() -> list[MembershipInterval]:
    return load_membership_intervals()


def test_the_registry_lists_the_contracts_eight_universes_in_order():
    registry = load_registry()

    assert [
        (spec.key, spec.name, spec.description, spec.region, spec.asset_class) for spec in registry
    ] == CONTRACT_TABLE


def test_every_universe_states_when_and_where_its_list_comes_from():
    for spec in load_registry():
        assert isinstance(spec.as_of, dt.date)
        assert dt.date(2024, 1, 1) <= spec.as_of <= dt.date(2026, 12, 31)
        assert len(spec.source) > 20


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("SPX500", 500, 510),
        ("NASDAQ100", 100, 101),
        ("RUSSELL2000", 100, 3000),
        ("US_ETFS", 40, 40),
        ("ASX200", 200, 200),
        ("ASX_TOTAL", 250, 400),
        ("ASX_ETFS", 25, 25),
        ("CORE_ETFS", 15, 15),
    ],
)
def test_each_universe_has_the_size_the_contract_states(key, low, high):
    assert low <= len(tickers(key)) <= high


@pytest.mark.parametrize("key", KEYS)
def test_tickers_are_unique_sorted_named_and_valid_for_refresh(key):
    members = load_members(key)
    symbols = [member.ticker for member in members]

    assert symbols == sorted(set(symbols))
    assert all(REFRESH_TICKER.match(symbol) for symbol in symbols)
    assert all(member.name.strip() == member.name and member.name for member in members)


@pytest.mark.parametrize("key", AU_KEYS)
def test_australian_tickers_carry_the_ax_suffix(key):
    assert all(symbol.endswith(".AX") for symbol in tickers(key))
    assert all(re.fullmatch(r"[A-Z0-9]{3,4}\.AX", symbol) for symbol in tickers(key))


@pytest.mark.parametrize("key", US_KEYS)
def test_us_tickers_spell_share_classes_with_a_dash_not_a_dot(key):
    assert not [symbol for symbol in tickers(key) if "." in symbol]


def test_sp500_is_the_shipped_constituents_list_in_source_spelling():
    text = data_dir().joinpath("sp500_constituents.csv").read_text(encoding="utf-8")
    shipped = {row["Symbol"]: row["Security"] for row in csv.DictReader(text.splitlines())}

    members = dict(load_members("SPX500"))

    assert len(members) == len(shipped) == 503
    assert members == {symbol.replace(".", "-"): name for symbol, name in shipped.items()}
    assert {"BRK-B", "BF-B"} <= members.keys()
    assert members["BRK-B"] == "Berkshire Hathaway"


def test_nasdaq100_holds_both_alphabet_share_classes():
    assert {"GOOG", "GOOGL", "AAPL", "MSFT", "NVDA"} <= set(tickers("NASDAQ100"))


def test_asx_total_is_asx200_plus_at_least_fifty_mid_caps():
    asx200, total = set(tickers("ASX200")), set(tickers("ASX_TOTAL"))

    assert asx200 <= total
    assert len(total - asx200) >= 50


def test_core_etfs_are_ten_us_and_five_asx_etfs_listed_explicitly():
    core = set(tickers("CORE_ETFS"))

    us = {symbol for symbol in core if not symbol.endswith(".AX")}
    asx = core - us
    assert us == {"SPY", "QQQ", "IWM", "EFA", "EEM", "AGG", "TLT", "GLD", "VNQ", "DBC"}
    assert asx == {"VAS.AX", "VGS.AX", "VAF.AX", "VAP.AX", "GOLD.AX"}
    assert us <= set(tickers("US_ETFS"))
    assert asx <= set(tickers("ASX_ETFS"))


def test_core_etf_names_match_their_home_lists():
    names = dict(load_members("US_ETFS")) | dict(load_members("ASX_ETFS"))

    assert all(names[member.ticker] == member.name for member in load_members("CORE_ETFS"))


def test_universe_keys_are_case_sensitive():
    with pytest.raises(UnknownUniverse) as raised:
        load_members("spx500")

    assert str(raised.value) == f"Unknown universe 'spx500'. Available: {KEYS}"
    assert raised.value.available == KEYS


def test_index_spelling_becomes_source_spelling():
    assert source_ticker("BRK.B") == "BRK-B"
    assert source_ticker(" bf.b ") == "BF-B"
    assert source_ticker("AAPL") == "AAPL"


def test_membership_intervals_are_well_formed_for_index_constituent(intervals):
    assert intervals == sorted(intervals)
    assert len({(i.ticker, i.start_date) for i in intervals}) == len(intervals)
    assert all(i.end_date is None or i.end_date > i.start_date for i in intervals)
    assert not [i.ticker for i in intervals if "." in i.ticker]
    by_ticker = defaultdict(list)
    for interval in intervals:
        by_ticker[interval.ticker].append(interval)
    for spans in by_ticker.values():
        for earlier, later in itertools.pairwise(spans):
            assert earlier.end_date is not None
            assert earlier.end_date <= later.start_date


def test_the_members_open_today_are_exactly_the_current_constituents(intervals):
    still_members = {i.ticker for i in intervals if i.end_date is None}

    assert still_members == set(tickers("SPX500"))


def test_a_ticker_that_left_before_2020_has_its_end_date(intervals):
    # Goodyear was replaced by Wabtec effective 2019-02-27.
    (goodyear,) = [i for i in intervals if i.ticker == "GT"]

    assert goodyear == MembershipInterval("GT", dt.date(1996, 1, 2), dt.date(2019, 2, 27))
    assert "GT" in members_on(dt.date(2019, 2, 26), intervals)
    assert "GT" not in members_on(dt.date(2019, 2, 27), intervals)
    assert "WAB" in members_on(dt.date(2019, 2, 27), intervals)


def test_a_ticker_can_leave_and_come_back(intervals):
    pcg = [i for i in intervals if i.ticker == "PCG"]

    assert pcg == [
        MembershipInterval("PCG", dt.date(1996, 1, 2), dt.date(2019, 1, 18)),
        MembershipInterval("PCG", dt.date(2022, 10, 3), None),
    ]
    assert "PCG" not in members_on(dt.date(2021, 6, 1), intervals)


def test_class_shares_are_in_source_spelling_in_the_history(intervals):
    assert [i for i in intervals if i.ticker == "BRK-B"] == [
        MembershipInterval("BRK-B", dt.date(2010, 2, 16), None)
    ]


def test_changes_newer_than_the_interval_file_are_applied(intervals):
    # Ansys left for The Trade Desk on 2025-07-18; the interval file stops on 2025-07-09.
    assert [i.end_date for i in intervals if i.ticker == "ANSS"] == [dt.date(2025, 7, 18)]
    assert [i.start_date for i in intervals if i.ticker == "TTD"] == [dt.date(2025, 7, 18)]


def test_undated_ticker_changes_keep_the_whole_history_under_todays_ticker(intervals):
    assert not [i for i in intervals if i.ticker in {"BK", "MMC"}]
    assert [i for i in intervals if i.ticker == "BNY"] == [
        MembershipInterval("BNY", dt.date(1996, 1, 2), None)
    ]


def test_members_that_left_on_an_unknown_date_are_closed_at_the_snapshot(intervals):
    # LKQ is open in both interval files but missing from the August 2026 constituents.
    (lkq,) = [i for i in intervals if i.ticker == "LKQ"]

    assert lkq.end_date == dt.date(2026, 8, 5)


def test_new_constituents_start_on_their_date_added(intervals):
    assert [i for i in intervals if i.ticker == "CVNA"] == [
        MembershipInterval("CVNA", dt.date(2025, 12, 22), None)
    ]


@pytest.mark.parametrize("year", [2010, 2015, 2020, 2024, 2025])
def test_the_index_has_about_five_hundred_members_on_any_day(intervals, year):
    assert 495 <= len(members_on(dt.date(year, 6, 2), intervals)) <= 510
