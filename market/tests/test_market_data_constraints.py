"""The CHECK constraints of ``market_data`` hold in the database itself, on every backend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from market.models import DailyBar
from market.tests.factories import bar_fields, make_symbol

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 3, 1)


def test_a_valid_bar_is_stored_with_its_exact_prices() -> None:
    make_symbol("BRK-B")
    DailyBar.objects.create(**bar_fields("BRK-B", DAY, close=Decimal("100.1234")))
    bar = DailyBar.objects.get()
    assert bar.close == Decimal("100.1234")
    assert bar.ticker.ticker == "BRK-B"
    assert bar.data_quality == "good"
    assert bar.metadata == {}


def test_a_bar_without_adj_close_is_allowed() -> None:
    make_symbol("BHP.AX", data_source="yahoo")
    DailyBar.objects.create(**bar_fields("BHP.AX", DAY, adj_close=None))
    assert DailyBar.objects.get().adj_close is None


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"open": Decimal("98")}, id="open-below-low"),
        pytest.param({"open": Decimal("102")}, id="open-above-high"),
        pytest.param({"close": Decimal("98.9")}, id="close-below-low"),
        pytest.param({"close": Decimal("101.01")}, id="close-above-high"),
        pytest.param({"low": Decimal("102"), "close": Decimal("101")}, id="low-above-high"),
        pytest.param(
            {"open": 0, "high": 0, "low": 0, "close": 0, "adj_close": 0}, id="zero-prices"
        ),
        pytest.param({"open": -2, "high": -1, "low": -3, "close": -2}, id="negative-prices"),
        pytest.param({"adj_close": Decimal("0")}, id="zero-adj-close"),
        pytest.param({"adj_close": Decimal("-1")}, id="negative-adj-close"),
        pytest.param({"volume": -1}, id="negative-volume"),
        pytest.param({"source": "bloomberg"}, id="unknown-source"),
        pytest.param({"data_quality": "great"}, id="unknown-quality"),
    ],
)
def test_an_invalid_bar_is_refused_and_nothing_is_written(overrides: dict[str, Any]) -> None:
    make_symbol("AAPL")
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyBar.objects.create(**bar_fields("AAPL", DAY, **overrides))
    assert DailyBar.objects.count() == 0


def test_a_second_bar_for_the_same_ticker_and_date_is_refused() -> None:
    make_symbol("AAPL")
    DailyBar.objects.create(**bar_fields("AAPL", DAY))
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyBar.objects.create(**bar_fields("AAPL", DAY, close=Decimal("100.75")))
    assert list(DailyBar.objects.values_list("close", flat=True)) == [Decimal("100.5")]
