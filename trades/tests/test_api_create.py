"""POST /api/trades (contract §2.1 "Create")."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db.models import QuerySet

from trades.models import Trade
from trades.tests.assertions import assert_domain_error, assert_validation_error
from trades.tests.factories import make_trade, table_state, trade_payload

pytestmark = pytest.mark.django_db

TRADE_RESPONSE_KEYS = [
    "ticker",
    "asset_name",
    "asset_class",
    "direction",
    "quantity",
    "entry_price",
    "commission",
    "currency",
    "strategy_name",
    "signal_score",
    "notes",
    "id",
    "trade_id",
    "entry_date",
    "exit_price",
    "exit_date",
    "pnl",
    "pnl_percent",
    "status",
    "created_at",
    "updated_at",
]
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def post(client, body, path="/api/trades"):
    return client.post(path, body, format="json")


def test_create_returns_trade_response_with_contract_keys_and_defaults(api_client):
    response = post(api_client, trade_payload())

    assert response.status_code == 201
    body = response.json()
    assert list(body) == TRADE_RESPONSE_KEYS
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert body["trade_id"] == f"TRD-{today}-0001"
    assert {
        k: v for k, v in body.items() if k not in {"id", "trade_id", "created_at", "updated_at"}
    } == {
        "ticker": "AAPL",
        "asset_name": None,
        "asset_class": None,
        "direction": "BUY",
        "quantity": 10.0,
        "entry_price": 100.0,
        "commission": 3.0,
        "currency": "AUD",
        "strategy_name": "dual_momentum",
        "signal_score": None,
        "notes": None,
        "entry_date": "2024-01-15T14:30:00Z",
        "exit_price": None,
        "exit_date": None,
        "pnl": None,
        "pnl_percent": None,
        "status": "OPEN",
    }
    assert ISO_Z.match(body["created_at"])
    assert ISO_Z.match(body["updated_at"])
    trade = Trade.objects.get()
    assert trade.id == body["id"]
    assert trade.quantity == Decimal(10)
    assert trade.commission == Decimal("3.0")
    assert trade.event_timestamp == trade.entry_date
    assert trade.knowledge_timestamp is not None


def test_create_keeps_all_optional_fields_and_normalises_text(api_client):
    response = post(
        api_client,
        trade_payload(
            trade_id="  MY-ID-1 ",
            ticker="  bhp.ax ",
            asset_name="BHP Group",
            asset_class="equity",
            direction="SELL",
            quantity=0.1 + 0.2,
            entry_price="45.123456789",
            commission=0,
            currency="usd",
            strategy_name="momentum",
            signal_score=0.75,
            notes="  spaced  ",
            unknown_key="ignored",
            status="CLOSED",
            exit_price=99,
        ),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["trade_id"] == "MY-ID-1"
    assert body["ticker"] == "BHP.AX"
    assert body["asset_name"] == "BHP Group"
    assert body["asset_class"] == "equity"
    assert body["direction"] == "SELL"
    assert body["quantity"] == 0.3
    assert body["entry_price"] == 45.12345679
    assert body["commission"] == 0.0
    assert body["currency"] == "USD"
    assert body["strategy_name"] == "momentum"
    assert body["signal_score"] == 0.75
    assert body["notes"] == "  spaced  "
    # A create is always an OPEN trade without exit or P&L.
    assert (body["status"], body["exit_price"], body["pnl"]) == ("OPEN", None, None)
    trade = Trade.objects.get()
    assert trade.quantity == Decimal("0.3")
    assert trade.entry_price == Decimal("45.12345679")


@pytest.mark.parametrize(
    ("entry_date", "stored"),
    [
        ("2024-03-01T10:00:00+10:00", "2024-03-01T00:00:00Z"),
        ("2024-03-01T10:00:00", "2024-03-01T10:00:00Z"),
        ("2024-03-01", "2024-03-01T00:00:00Z"),
    ],
)
def test_entry_date_is_stored_in_utc(api_client, entry_date, stored):
    response = post(api_client, trade_payload(entry_date=entry_date))

    assert response.status_code == 201
    assert response.json()["entry_date"] == stored


def test_strategy_is_an_alias_of_strategy_name(api_client):
    response = post(api_client, trade_payload(strategy="residual_momentum"))

    assert response.status_code == 201
    assert response.json()["strategy_name"] == "residual_momentum"


def test_strategy_and_strategy_name_with_the_same_value_are_accepted(api_client):
    response = post(api_client, trade_payload(strategy="hrp", strategy_name="hrp"))

    assert response.status_code == 201
    assert response.json()["strategy_name"] == "hrp"


def test_strategy_and_strategy_name_that_disagree_are_rejected(api_client):
    response = post(api_client, trade_payload(strategy="hrp", strategy_name="momentum"))

    assert_validation_error(response, (["body", "strategy"], "value_error"))
    assert not Trade.objects.exists()


def test_duplicate_trade_id_is_a_400_and_changes_nothing(api_client):
    make_trade(trade_id="DUP-1")
    before = table_state()

    response = post(api_client, trade_payload(trade_id="DUP-1"))

    assert_domain_error(response, 400, "Trade with ID DUP-1 already exists")
    assert table_state() == before


def test_duplicate_trade_id_lost_in_a_race_on_the_unique_index_is_a_400(api_client, monkeypatch):
    make_trade(trade_id="RACE-1")
    before = table_state()
    original_exists = QuerySet.exists
    calls: list[int] = []

    def exists_missing_the_concurrent_insert(self):
        # The first check runs "before" the other request commits; later checks see it.
        calls.append(1)
        return False if len(calls) == 1 else original_exists(self)

    monkeypatch.setattr(QuerySet, "exists", exists_missing_the_concurrent_insert)

    response = post(api_client, trade_payload(trade_id="RACE-1"))

    assert_domain_error(response, 400, "Trade with ID RACE-1 already exists")
    assert len(calls) == 2  # the pre-check missed it; the unique index caught it
    monkeypatch.undo()
    assert table_state() == before


def test_trailing_slash_form_creates_without_redirect(api_client):
    response = post(api_client, trade_payload(), path="/api/trades/")

    assert response.status_code == 201
    assert Trade.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "loc", "type_"),
    [
        ({"ticker": "   "}, "ticker", "string_too_short"),
        ({"ticker": ""}, "ticker", "string_too_short"),
        ({"ticker": "X" * 21}, "ticker", "string_too_long"),
        ({"trade_id": "   "}, "trade_id", "string_too_short"),
        ({"trade_id": "T" * 51}, "trade_id", "string_too_long"),
        ({"asset_name": "A" * 101}, "asset_name", "string_too_long"),
        ({"asset_class": "A" * 51}, "asset_class", "string_too_long"),
        ({"direction": "HOLD"}, "direction", "enum"),
        ({"quantity": 0}, "quantity", "greater_than"),
        ({"quantity": -1}, "quantity", "greater_than"),
        ({"quantity": "ten"}, "quantity", "float_parsing"),
        ({"quantity": True}, "quantity", "float_parsing"),
        ({"quantity": 1e13}, "quantity", "less_than_equal"),
        ({"entry_price": 0}, "entry_price", "greater_than"),
        ({"entry_date": "yesterday"}, "entry_date", "datetime_parsing"),
        ({"commission": -0.01}, "commission", "greater_than_equal"),
        ({"currency": "AU"}, "currency", "string_pattern_mismatch"),
        ({"currency": "A1D"}, "currency", "string_pattern_mismatch"),
        ({"strategy_name": "s" * 101}, "strategy_name", "string_too_long"),
        ({"signal_score": 1.5}, "signal_score", "less_than_equal"),
        ({"signal_score": -0.1}, "signal_score", "greater_than_equal"),
        ({"strategy_name": None}, "strategy_name", "value_error"),
    ],
)
def test_invalid_field_is_a_422_at_that_field_and_creates_nothing(
    api_client, overrides, loc, type_
):
    response = post(api_client, trade_payload(**overrides))

    assert_validation_error(response, (["body", loc], type_))
    assert not Trade.objects.exists()


def test_each_missing_required_field_is_reported(api_client):
    response = post(api_client, {"notes": "only notes"})

    assert_validation_error(
        response,
        (["body", "ticker"], "missing"),
        (["body", "direction"], "missing"),
        (["body", "quantity"], "missing"),
        (["body", "entry_price"], "missing"),
        (["body", "entry_date"], "missing"),
    )
    assert not Trade.objects.exists()


def test_malformed_json_is_json_invalid(api_client):
    response = api_client.post("/api/trades", "{not json", content_type="application/json")

    assert_validation_error(response, (["body"], "json_invalid"))
    assert not Trade.objects.exists()


def test_missing_body_is_missing(api_client):
    response = api_client.post("/api/trades", content_type="application/json")

    assert_validation_error(response, (["body"], "missing"))
    assert not Trade.objects.exists()


def test_json_array_body_is_rejected(api_client):
    response = post(api_client, [trade_payload()])

    assert_validation_error(response, (["body"], "value_error"))
    assert not Trade.objects.exists()
