"""Bar validation: what the market_data CHECK constraints would refuse, and what looks wrong."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from ingest.sources import Bar, BarQuality, SourceName, validate_bars

D = Decimal


def bar(
    day: str = "2024-01-02",
    *,
    open: str | None = "100",
    high: str | None = "110",
    low: str | None = "95",
    close: str | None = "105",
    adj_close: str | None = "104",
    volume: int | None = 1_000_000,
    split_event: bool = False,
    ticker: str = "AAPL",
) -> Bar:
    def price(value: str | None) -> Decimal | None:
        return None if value is None else D(value)

    return Bar(
        ticker=ticker,
        date=dt.date.fromisoformat(day),
        open=price(open),
        high=price(high),
        low=price(low),
        close=price(close),
        adj_close=price(adj_close),
        volume=volume,
        source=SourceName.TIINGO,
        split_event=split_event,
    )


def rejection(candidate: Bar) -> str:
    outcome = validate_bars([candidate])
    assert outcome.accepted == []
    ((rejected_bar, reason),) = outcome.rejected
    assert rejected_bar == candidate
    return reason


def test_a_sound_bar_is_accepted_as_good():
    outcome = validate_bars([bar()])

    assert outcome.accepted == [(bar(), BarQuality.GOOD)]
    assert outcome.rejected == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"low": "112"}, "low 112.0000 is above high 110.0000"),
        ({"open": "111"}, "open 111.0000 is outside low 95.0000 .. high 110.0000"),
        ({"open": "94.5"}, "open 94.5000 is outside low 95.0000 .. high 110.0000"),
        ({"close": "110.01"}, "close 110.0100 is outside low 95.0000 .. high 110.0000"),
        ({"close": "90"}, "close 90.0000 is outside low 95.0000 .. high 110.0000"),
        ({"close": "0", "low": "0"}, "low 0 is not positive"),
        ({"open": "-1"}, "open -1 is not positive"),
        ({"adj_close": "0"}, "adj_close 0 is not positive"),
        ({"high": None}, "high is missing"),
        ({"close": "NaN"}, "close is not a finite number (NaN)"),
        ({"high": "Infinity"}, "high is not a finite number (Infinity)"),
        ({"close": "0.00004", "low": "0.00004"}, "low 0.00004 rounds to zero at 4 decimal places"),
        ({"high": "100000000"}, "high 100000000 does not fit NUMERIC(12,4)"),
        ({"volume": -5}, "volume -5 is negative"),
        ({"volume": None}, "volume is missing"),
    ],
)
def test_bars_the_database_would_refuse_are_rejected_with_the_reason(changes, reason):
    values = {"open": "100", "high": "110", "low": "95", "close": "105"} | changes
    assert rejection(bar(**values)) == reason


def test_a_missing_adjusted_close_is_allowed():
    ((accepted, quality),) = validate_bars([bar(adj_close=None)]).accepted

    assert accepted.adj_close is None
    assert quality is BarQuality.GOOD


def test_zero_volume_is_allowed():
    assert validate_bars([bar(volume=0)]).rejected == []


def test_float_noise_below_four_decimals_is_not_a_broken_bar_and_is_rounded_away():
    # Yahoo's float32 prices: the open is a hair above the high until both are rounded.
    noisy = bar(
        open="45.66000366210938",
        high="45.65999984741211",
        low="45.11000061035156",
        close="45.5",
        adj_close="41.234567891",
    )

    ((accepted, quality),) = validate_bars([noisy]).accepted

    assert (accepted.open, accepted.high, accepted.low, accepted.close, accepted.adj_close) == (
        D("45.6600"),
        D("45.6600"),
        D("45.1100"),
        D("45.5000"),
        D("41.2346"),
    )
    assert quality is BarQuality.GOOD


def test_a_move_of_more_than_half_without_a_split_is_suspect():
    outcome = validate_bars(
        [
            bar("2024-01-02", close="100", high="100", low="100", open="100"),
            bar("2024-01-03", close="151", high="151", low="151", open="151"),
            bar("2024-01-04", close="150", high="150", low="150", open="150"),
            bar("2024-01-05", close="74", high="74", low="74", open="74"),
        ]
    )

    assert [(b.date.day, quality) for b, quality in outcome.accepted] == [
        (2, BarQuality.GOOD),
        (3, BarQuality.SUSPECT),
        (4, BarQuality.GOOD),
        (5, BarQuality.SUSPECT),
    ]


def test_a_move_of_exactly_half_is_still_good():
    outcome = validate_bars(
        [
            bar("2024-01-02", close="100", high="100", low="100", open="100"),
            bar("2024-01-03", close="150", high="150", low="150", open="150"),
        ]
    )

    assert [quality for _, quality in outcome.accepted] == [BarQuality.GOOD, BarQuality.GOOD]


def test_the_first_bar_is_judged_against_the_previous_stored_close():
    jump = bar(close="105")

    ((_, quality),) = validate_bars([jump], previous_close=D("50")).accepted

    assert quality is BarQuality.SUSPECT


def test_a_split_day_is_exempt_from_the_move_check():
    # NVDA 10-for-1 on 2024-06-10: the raw close falls by 90 %.
    before = bar("2024-06-07", open="1197.7", high="1216.9171", low="1180.22", close="1208.88")
    split_day = bar(
        "2024-06-10", open="120.37", high="123.1", low="117.01", close="121.79", split_event=True
    )

    outcome = validate_bars([before, split_day])

    assert [quality for _, quality in outcome.accepted] == [BarQuality.GOOD, BarQuality.GOOD]


def test_a_rejected_bar_does_not_become_the_reference_close():
    outcome = validate_bars(
        [
            bar("2024-01-02", close="100", high="100", low="100", open="100"),
            bar("2024-01-03", close="1000", high="10", low="10", open="10"),  # broken
            bar("2024-01-04", close="101", high="101", low="101", open="101"),
        ]
    )

    assert [(b.date.day, quality) for b, quality in outcome.accepted] == [
        (2, BarQuality.GOOD),
        (4, BarQuality.GOOD),
    ]
    assert [b.date.day for b, _ in outcome.rejected] == [3]


def test_duplicate_dates_keep_the_last_bar_given():
    first = bar("2024-01-02", close="101")
    second = bar("2024-01-02", close="104")

    outcome = validate_bars([first, bar("2024-01-03"), second])

    assert [(b.date.day, b.close) for b, _ in outcome.accepted] == [
        (2, D("104.0000")),
        (3, D("105.0000")),
    ]


def test_bars_come_back_in_date_order():
    outcome = validate_bars([bar("2024-01-04"), bar("2024-01-02"), bar("2024-01-03")])

    assert [b.date.day for b, _ in outcome.accepted] == [2, 3, 4]


def test_accepted_bars_keep_everything_but_the_rounding():
    original = bar(split_event=True, volume=42)

    ((accepted, _),) = validate_bars([original]).accepted

    assert (
        dataclasses.replace(
            accepted,
            open=original.open,
            high=original.high,
            low=original.low,
            close=original.close,
            adj_close=original.adj_close,
        )
        == original
    )


def test_one_ticker_at_a_time():
    with pytest.raises(ValueError, match="one ticker at a time"):
        validate_bars([bar(ticker="AAPL"), bar(ticker="MSFT")])


def test_no_bars_is_an_empty_outcome():
    outcome = validate_bars([])

    assert outcome.accepted == []
    assert outcome.rejected == []
