"""GET /api/trades: pagination, filters and sorting (contract §2.1 "List")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trades.models import TradeStatus
from trades.tests.assertions import assert_validation_error
from trades.tests.factories import ENTRY, make_closed_trade, make_trade

pytestmark = pytest.mark.django_db


def listing(client, **params):
    response = client.get("/api/trades", params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(body):
    return [trade["trade_id"] for trade in body["trades"]]


def test_empty_list_has_one_page(api_client):
    body = listing(api_client)

    assert list(body) == ["trades", "total", "page", "page_size", "total_pages"]
    assert body == {"trades": [], "total": 0, "page": 1, "page_size": 50, "total_pages": 1}


def test_pages_split_the_filtered_total(api_client):
    for day in range(5):
        make_trade(trade_id=f"P{day}", entry_date=ENTRY + timedelta(days=day))

    first = listing(api_client, page_size=2)
    last = listing(api_client, page=3, page_size=2)
    past_end = listing(api_client, page=4, page_size=2)
    far_past_end = listing(api_client, page=10**30, page_size=2)

    assert (ids(first), first["total"], first["total_pages"]) == (["P4", "P3"], 5, 3)
    assert (ids(last), last["page"], last["page_size"]) == (["P0"], 3, 2)
    assert (past_end["trades"], past_end["total"], past_end["total_pages"]) == ([], 5, 3)
    assert far_past_end["trades"] == []


def test_page_size_200_is_allowed_and_the_trailing_slash_form_answers(api_client):
    make_trade()

    response = api_client.get("/api/trades/", {"page_size": 200})

    assert response.status_code == 200
    assert response.json()["page_size"] == 200


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [
        ({"page": 0}, "page", "greater_than_equal"),
        ({"page": "one"}, "page", "int_parsing"),
        ({"page_size": 0}, "page_size", "greater_than_equal"),
        ({"page_size": 201}, "page_size", "less_than_equal"),
        ({"status": "PENDING"}, "status", "enum"),
        ({"sort_by": "notes"}, "sort_by", "enum"),
        ({"sort_by": "ID"}, "sort_by", "enum"),
        ({"sort_desc": "maybe"}, "sort_desc", "bool_parsing"),
        ({"start_date": "not-a-date"}, "start_date", "datetime_parsing"),
        ({"start_date": "2024-02-01", "end_date": "2024-01-01"}, "end_date", "value_error"),
    ],
)
def test_invalid_query_is_a_422(api_client, params, loc, type_):
    response = api_client.get("/api/trades", params)

    assert_validation_error(response, (["query", loc], type_))


def test_ticker_filter_is_trimmed_upper_cased_and_exact(api_client):
    make_trade(trade_id="A", ticker="AAPL")
    make_trade(trade_id="B", ticker="AAPL.AX")
    make_trade(trade_id="C", ticker="MSFT")

    body = listing(api_client, ticker="  aapl ")

    assert (ids(body), body["total"]) == (["A"], 1)


def test_status_filter_accepts_any_case(api_client):
    make_trade(trade_id="OPEN-1")
    make_closed_trade(trade_id="CLOSED-1", exit_price=110, exit_date=ENTRY + timedelta(days=1))
    make_trade(trade_id="CANCELLED-1", status=TradeStatus.CANCELLED)

    assert ids(listing(api_client, status="closed")) == ["CLOSED-1"]
    assert ids(listing(api_client, status="Cancelled")) == ["CANCELLED-1"]
    assert ids(listing(api_client, status="OPEN")) == ["OPEN-1"]


def test_strategy_filter_is_case_insensitive_equality(api_client):
    make_trade(trade_id="DM", strategy_name="Dual_Momentum")
    make_trade(trade_id="DM2", strategy_name="dual_momentum_v2")

    assert ids(listing(api_client, strategy="DUAL_MOMENTUM")) == ["DM"]


def test_date_bounds_are_inclusive_on_entry_date(api_client):
    for day in range(4):
        make_trade(trade_id=f"D{day}", entry_date=datetime(2024, 1, 1 + day, tzinfo=UTC))

    body = listing(
        api_client, start_date="2024-01-02", end_date="2024-01-03T00:00:00Z", sort_desc="false"
    )

    assert ids(body) == ["D1", "D2"]
    assert body["total"] == 2


def test_equal_start_and_end_dates_are_allowed(api_client):
    make_trade(trade_id="X", entry_date=datetime(2024, 1, 2, tzinfo=UTC))

    assert ids(listing(api_client, start_date="2024-01-02", end_date="2024-01-02")) == ["X"]


def test_default_order_is_entry_date_descending_with_ties_by_id(api_client):
    make_trade(trade_id="OLD", entry_date=ENTRY - timedelta(days=1))
    make_trade(trade_id="TIE-1")
    make_trade(trade_id="TIE-2")
    make_trade(trade_id="NEW", entry_date=ENTRY + timedelta(days=1))

    assert ids(listing(api_client)) == ["NEW", "TIE-2", "TIE-1", "OLD"]
    assert ids(listing(api_client, sort_desc="no")) == ["OLD", "TIE-1", "TIE-2", "NEW"]


def test_nulls_sort_last_in_both_directions(api_client):
    make_trade(trade_id="OPEN")  # pnl is null
    exit_date = ENTRY + timedelta(days=1)
    make_closed_trade(trade_id="WIN", exit_price=120, exit_date=exit_date)
    make_closed_trade(trade_id="LOSS", exit_price=90, exit_date=exit_date)
    make_trade(trade_id="OPEN-2")

    assert ids(listing(api_client, sort_by="pnl")) == ["WIN", "LOSS", "OPEN-2", "OPEN"]
    assert ids(listing(api_client, sort_by="pnl", sort_desc="FALSE")) == [
        "LOSS",
        "WIN",
        "OPEN",
        "OPEN-2",
    ]


@pytest.mark.parametrize(
    "sort_by",
    [
        "id",
        "trade_id",
        "ticker",
        "direction",
        "quantity",
        "entry_price",
        "entry_date",
        "exit_price",
        "exit_date",
        "pnl",
        "pnl_percent",
        "status",
        "strategy_name",
        "commission",
        "created_at",
        "updated_at",
    ],
)
def test_every_documented_sort_column_is_accepted(api_client, sort_by):
    make_trade(trade_id="A", ticker="ZZZ", quantity=1)
    make_trade(trade_id="B", ticker="AAA", quantity=2)

    body = listing(api_client, sort_by=sort_by, sort_desc="0")

    assert sorted(ids(body)) == ["A", "B"]


def test_sort_by_ticker_ascending(api_client):
    make_trade(trade_id="Z", ticker="ZZZ")
    make_trade(trade_id="A", ticker="AAA")
    make_trade(trade_id="M", ticker="MMM")

    assert ids(listing(api_client, sort_by="ticker", sort_desc="off")) == ["A", "M", "Z"]


def test_list_items_are_trade_responses(api_client):
    trade = make_closed_trade(trade_id="ONE", exit_price=120, exit_date=ENTRY + timedelta(days=2))

    item = listing(api_client)["trades"][0]

    assert item["id"] == trade.id
    assert (item["pnl"], item["pnl_percent"], item["status"]) == (197.0, 19.7, "CLOSED")
    assert item["exit_date"] == "2024-01-17T14:30:00Z"


def test_head_on_the_list_answers_like_get_without_body(api_client):
    make_trade()

    response = api_client.head("/api/trades")

    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "application/json"
