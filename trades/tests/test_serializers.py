"""Many TradeResponses at once (``TradeRowsSerializer``) equal the one-trade serializer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from parakeet.renderers import StrictJSONRenderer
from trades.models import Trade, TradeStatus
from trades.selectors import TRADE_RESPONSE_FIELDS
from trades.serializers import TradeRowsSerializer, TradeSerializer
from trades.tests.factories import ENTRY, make_closed_trade, make_trade

pytestmark = pytest.mark.django_db


def rendered(data: object) -> object:
    return json.loads(StrictJSONRenderer().render(data))


@pytest.fixture
def journal() -> list[Trade]:
    make_trade(
        ticker="BHP.AX",
        asset_name="BHP Group",
        asset_class="equity",
        quantity="0.12345678",
        entry_price="45.98765432",
        commission="0.1234",
        currency="USD",
        signal_score=0.625,
        notes="  keep spaces  ",
        entry_date=ENTRY.replace(microsecond=922848),
    )
    make_closed_trade(
        direction="SELL",
        exit_price="99.5",
        exit_date=ENTRY + timedelta(days=3, microseconds=1),
    )
    make_trade(status=TradeStatus.CANCELLED, commission=0)
    make_trade(status=TradeStatus.CLOSED, pnl=None)
    return list(Trade.objects.order_by("id"))


def test_many_trades_are_rendered_exactly_like_one_at_a_time(journal):
    one_by_one = [rendered(TradeSerializer(trade).data) for trade in journal]

    many = TradeSerializer(journal, many=True)

    assert isinstance(many, TradeRowsSerializer)
    assert rendered(many.data) == one_by_one
    assert [list(row) for row in many.data] == [list(TRADE_RESPONSE_FIELDS)] * len(journal)


def test_value_rows_are_rendered_like_the_trades_they_come_from(journal):
    one_by_one = [rendered(TradeSerializer(trade).data) for trade in journal]
    rows = list(Trade.objects.order_by("id").values(*TRADE_RESPONSE_FIELDS))

    assert rendered(TradeSerializer(rows, many=True).data) == one_by_one


def test_numbers_are_json_numbers_and_datetimes_utc_with_z(journal):
    (first, closed, *_) = TradeSerializer(journal, many=True).data

    assert first["quantity"] == 0.12345678
    assert first["entry_price"] == 45.98765432
    assert first["commission"] == 0.1234
    assert first["entry_date"] == "2024-01-15T14:30:00.922848Z"
    assert first["signal_score"] == 0.625
    assert (first["exit_price"], first["exit_date"], first["pnl"]) == (None, None, None)
    assert closed["exit_date"] == "2024-01-18T14:30:00.000001Z"
    assert (closed["pnl"], closed["pnl_percent"]) == (2.0, 0.2)  # SELL 10 @100 -> 99.5, fee 3
