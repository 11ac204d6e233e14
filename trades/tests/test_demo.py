"""The deterministic demo trade set and its idempotent loader."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from trades.demo import (
    DEMO_NOTES,
    DEMO_TRADE_COUNT,
    HISTORY_DAYS,
    INSTRUMENTS,
    STRATEGIES,
    demo_trades,
    load_demo_trades,
)
from trades.models import Direction, Trade, TradeStatus
from trades.pnl import realised_pnl

ANCHOR = date(2026, 11, 28)


def test_the_demo_set_is_the_same_for_the_same_anchor():
    assert demo_trades(anchor=ANCHOR) == demo_trades(anchor=ANCHOR)


def test_a_later_anchor_moves_the_dates_but_keeps_the_trades():
    now = demo_trades(anchor=ANCHOR)
    later = demo_trades(anchor=ANCHOR + timedelta(days=7))

    assert [t.entry_date + timedelta(days=7) for t in now] == [t.entry_date for t in later]
    keep = ("trade_id", "ticker", "direction", "quantity", "entry_price", "status", "exit_price")
    assert [[getattr(t, f) for f in keep] for t in now] == [
        [getattr(t, f) for f in keep] for t in later
    ]


def test_the_demo_set_covers_us_and_asx_tickers_strategies_directions_and_statuses():
    trades = demo_trades(anchor=ANCHOR)

    assert len(trades) == DEMO_TRADE_COUNT
    assert 40 <= DEMO_TRADE_COUNT <= 60
    tickers = {t.ticker for t in trades}
    assert tickers == {i.ticker for i in INSTRUMENTS}
    assert len(tickers) == 10
    assert sum(ticker.endswith(".AX") for ticker in tickers) == 4
    assert {t.strategy_name for t in trades} == set(STRATEGIES)
    assert set(Counter(t.direction for t in trades)) == {Direction.BUY, Direction.SELL}
    statuses = Counter(t.status for t in trades)
    assert statuses[TradeStatus.CLOSED] >= 30
    assert statuses[TradeStatus.OPEN] >= 5
    assert statuses[TradeStatus.CANCELLED] >= 1
    assert {t.currency for t in trades if t.ticker.endswith(".AX")} == {"AUD"}
    assert {t.currency for t in trades if not t.ticker.endswith(".AX")} == {"USD"}


def test_demo_trades_are_labelled_and_numbered_in_entry_order():
    trades = demo_trades(anchor=ANCHOR)

    assert [t.trade_id for t in trades] == [f"DEMO-{n:04d}" for n in range(1, len(trades) + 1)]
    assert {t.notes for t in trades} == {DEMO_NOTES}
    assert [t.entry_date for t in trades] == sorted(t.entry_date for t in trades)


def test_demo_dates_lie_in_the_history_window_and_exits_follow_entries():
    anchor_start = datetime(2026, 11, 28, tzinfo=UTC)
    for trade in demo_trades(anchor=ANCHOR):
        assert anchor_start - timedelta(days=HISTORY_DAYS + 3) <= trade.entry_date < anchor_start
        assert trade.entry_date.weekday() < 5
        if trade.status == TradeStatus.CLOSED:
            assert trade.exit_price is not None
            assert trade.exit_price > 0
            assert trade.exit_date is not None
            assert trade.entry_date < trade.exit_date <= anchor_start
        else:
            assert trade.exit_price is None
            assert trade.exit_date is None
        assert trade.quantity > 0
        assert trade.entry_price > 0
        assert 0 <= trade.signal_score <= 1


def test_stored_values_carry_the_contract_pnl_only_for_closed_trades():
    for trade in demo_trades(anchor=ANCHOR):
        values = trade.values()
        if trade.status == TradeStatus.CLOSED:
            assert trade.exit_price is not None
            expected = realised_pnl(
                direction=trade.direction,
                quantity=trade.quantity,
                entry_price=trade.entry_price,
                exit_price=trade.exit_price,
                commission=trade.commission,
            )
            assert (values["pnl"], values["pnl_percent"]) == expected
            assert values["event_timestamp"] == trade.exit_date
        else:
            assert values["pnl"] is None
            assert values["pnl_percent"] is None
            assert values["event_timestamp"] == trade.entry_date


@pytest.mark.django_db
def test_loading_creates_every_demo_trade_with_its_values():
    result = load_demo_trades(anchor=ANCHOR)

    assert (result.created, result.updated, result.unchanged) == (DEMO_TRADE_COUNT, 0, 0)
    assert Trade.objects.count() == DEMO_TRADE_COUNT
    for spec in demo_trades(anchor=ANCHOR):
        stored = Trade.objects.get(trade_id=spec.trade_id)
        for name, value in spec.values().items():
            assert getattr(stored, name) == value, (spec.trade_id, name)
    closed_pnl = Trade.objects.filter(status=TradeStatus.CLOSED).values_list("pnl", flat=True)
    assert all(pnl is not None for pnl in closed_pnl)
    assert not Trade.objects.exclude(status=TradeStatus.CLOSED).filter(pnl__isnull=False).exists()


@pytest.mark.django_db
def test_loading_twice_does_not_duplicate_or_change_anything():
    load_demo_trades(anchor=ANCHOR)
    before = list(Trade.objects.order_by("trade_id").values())

    result = load_demo_trades(anchor=ANCHOR)

    assert (result.created, result.updated, result.unchanged) == (0, 0, DEMO_TRADE_COUNT)
    assert str(result) == (
        f"demo trades: 0 created, 0 updated, {DEMO_TRADE_COUNT} unchanged "
        f"({DEMO_TRADE_COUNT} in the set)"
    )
    assert list(Trade.objects.order_by("trade_id").values()) == before


@pytest.mark.django_db
def test_loading_on_a_later_day_moves_the_same_trades_instead_of_adding_more():
    load_demo_trades(anchor=ANCHOR)

    result = load_demo_trades(anchor=ANCHOR + timedelta(days=30))

    assert (result.created, result.updated) == (0, DEMO_TRADE_COUNT)
    assert Trade.objects.count() == DEMO_TRADE_COUNT
    first = demo_trades(anchor=ANCHOR + timedelta(days=30))[0]
    assert Trade.objects.get(trade_id="DEMO-0001").entry_date == first.entry_date


@pytest.mark.django_db
def test_loading_restores_an_edited_demo_trade_and_leaves_other_trades_alone():
    load_demo_trades(anchor=ANCHOR)
    Trade.objects.filter(trade_id="DEMO-0001").update(quantity=Decimal("1"), pnl=Decimal("5"))
    mine = Trade.objects.create(
        trade_id="TRD-20261101-0001",
        ticker="AAPL",
        direction=Direction.BUY,
        quantity=Decimal("3"),
        entry_price=Decimal("100"),
        entry_date=datetime(2026, 11, 1, 15, tzinfo=UTC),
    )

    result = load_demo_trades(anchor=ANCHOR)

    assert (result.created, result.updated, result.unchanged) == (0, 1, DEMO_TRADE_COUNT - 1)
    restored = Trade.objects.get(trade_id="DEMO-0001")
    spec = demo_trades(anchor=ANCHOR)[0]
    assert restored.quantity == spec.quantity
    assert restored.pnl == spec.values()["pnl"]
    assert Trade.objects.count() == DEMO_TRADE_COUNT + 1
    assert Trade.objects.get(pk=mine.pk).quantity == Decimal("3")
