"""``upsert_bars``: inserts new bars, updates changed ones, leaves identical ones alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError

from market.models import DailyBar, Symbol
from market.services import UpsertCounts, upsert_bars
from market.tests.factories import START, bar_row, bar_series, business_days, stored_bar

pytestmark = pytest.mark.django_db


def _timestamps() -> dict[tuple[Any, dt.date], tuple[dt.datetime, dt.datetime]]:
    return {
        (t, d): (c, u)
        for t, d, c, u in DailyBar.objects.values_list(
            "ticker_id", "date", "created_at", "updated_at"
        )
    }


def test_new_bars_are_inserted_with_their_values_and_symbols_are_created() -> None:
    rows = [
        *bar_series("AAPL", [100.0, 101.5, 99.25]),
        *bar_series("BHP.AX", [45.1, 45.3], source="yahoo", adj_close=None),
    ]

    counts = upsert_bars(rows=rows)

    assert counts == UpsertCounts(inserted=5, updated=0, unchanged=0)
    assert DailyBar.objects.count() == 5
    bar = stored_bar("AAPL", business_days(START, 2)[1])
    assert (bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume) == (
        Decimal("101.0"),
        Decimal("102.5"),
        Decimal("100.5"),
        Decimal("101.5"),
        Decimal("101.5"),
        1_000_000,
    )
    assert bar.source == "tiingo"
    bhp = Symbol.objects.get(ticker="BHP.AX")
    assert (bhp.data_source, bhp.exchange, bhp.currency) == ("yahoo", "ASX", "AUD")
    assert stored_bar("BHP.AX", START).adj_close is None


def test_symbol_bar_dates_follow_the_stored_bars() -> None:
    days = business_days(START, 10)
    upsert_bars(rows=bar_series("MSFT", [300.0] * 5, start=days[5]))
    symbol = Symbol.objects.get(ticker="MSFT")
    assert (symbol.first_bar_date, symbol.last_bar_date) == (days[5], days[9])
    first_stamp = symbol.bars_changed_at
    assert first_stamp is not None

    upsert_bars(rows=bar_series("MSFT", [290.0] * 2, start=days[0]))

    symbol.refresh_from_db()
    assert (symbol.first_bar_date, symbol.last_bar_date) == (days[0], days[9])
    assert symbol.bars_changed_at is not None
    assert symbol.bars_changed_at >= first_stamp


def test_rerunning_the_same_rows_changes_nothing() -> None:
    rows = [
        *bar_series("AAPL", [100.0, 101.0, 102.0]),
        *bar_series("^VIX", [14.0, 15.0], source="yahoo"),
    ]
    upsert_bars(rows=rows)
    before = _timestamps()
    stamp = Symbol.objects.get(ticker="AAPL").bars_changed_at

    counts = upsert_bars(rows=rows)

    assert counts == UpsertCounts(inserted=0, updated=0, unchanged=5)
    assert _timestamps() == before
    assert Symbol.objects.get(ticker="AAPL").bars_changed_at == stamp


def test_a_changed_bar_is_updated_and_only_it_gets_a_new_updated_at() -> None:
    rows = bar_series("AAPL", [100.0, 101.0, 102.0])
    upsert_bars(rows=rows)
    before = _timestamps()
    changed_day = rows[1].date
    revised = [
        rows[0],
        dataclasses.replace(rows[1], adj_close=Decimal("99.5"), metadata={"split": 2}),
        rows[2],
        bar_row("AAPL", business_days(START, 4)[3], 103.0),
    ]

    counts = upsert_bars(rows=revised)

    assert counts == UpsertCounts(inserted=1, updated=1, unchanged=2)
    bar = stored_bar("AAPL", changed_day)
    assert (bar.adj_close, bar.metadata) == (Decimal("99.5"), {"split": 2})
    after = _timestamps()
    assert after[("AAPL", changed_day)][0] == before[("AAPL", changed_day)][0]  # created_at kept
    assert after[("AAPL", changed_day)][1] > before[("AAPL", changed_day)][1]
    for key in (("AAPL", rows[0].date), ("AAPL", rows[2].date)):
        assert after[key] == before[key]


def test_prices_are_rounded_half_up_to_four_places_and_stay_unchanged_on_rerun() -> None:
    row = bar_row("AAPL", START, close=100.12345, adj_close=Decimal("100.00005"))
    upsert_bars(rows=[row])
    bar = stored_bar("AAPL", START)
    assert (bar.close, bar.adj_close) == (Decimal("100.1235"), Decimal("100.0001"))

    assert upsert_bars(rows=[row]) == UpsertCounts(unchanged=1)


def test_a_repeated_date_in_one_call_counts_once_and_the_last_row_wins() -> None:
    first = bar_row("AAPL", START, 100.0)
    last = bar_row("AAPL", START, 100.25)

    counts = upsert_bars(rows=[first, last])

    assert counts == UpsertCounts(inserted=1)
    assert stored_bar("AAPL", START).close == Decimal("100.25")


def test_batches_commit_separately_and_a_bad_batch_writes_nothing() -> None:
    days = business_days(START, 4)
    good = [bar_row("AAPL", day, 100.0) for day in days[:2]]
    bad = [bar_row("AAPL", days[2], 100.0), bar_row("AAPL", days[3], 100.0, high=Decimal("50"))]

    with pytest.raises(IntegrityError):
        upsert_bars(rows=iter([*good, *bad]), batch_size=2)

    assert sorted(DailyBar.objects.values_list("date", flat=True)) == days[:2]


def test_many_batches_add_up() -> None:
    rows = [
        row
        for ticker in ("AAA", "BBB", "CCC")
        for row in bar_series(ticker, [10.0 + i for i in range(7)])
    ]
    assert upsert_bars(rows=(r for r in rows), batch_size=4) == UpsertCounts(inserted=21)
    assert upsert_bars(rows=rows, batch_size=5) == UpsertCounts(unchanged=21)
    assert DailyBar.objects.count() == 21
    assert set(
        Symbol.objects.filter(ticker__in=["AAA", "BBB", "CCC"]).values_list(
            "last_bar_date", flat=True
        )
    ) == {business_days(START, 7)[6]}


def test_a_bar_stored_through_the_orm_and_sent_again_identically_is_unchanged() -> None:
    from market.tests.factories import bar_fields, make_symbol

    make_symbol("AAPL")
    DailyBar.objects.create(**bar_fields("AAPL", START, metadata={"note": "x"}))
    same = bar_row(
        "AAPL",
        START,
        100.5,
        open=Decimal("100"),
        high=Decimal("101"),
        low=Decimal("99"),
        adj_close=Decimal("100.5"),
        volume=1000,
        metadata={"note": "x"},
    )

    assert upsert_bars(rows=[same]) == UpsertCounts(unchanged=1)
    assert upsert_bars(rows=[dataclasses.replace(same, volume=1001)]) == UpsertCounts(updated=1)
