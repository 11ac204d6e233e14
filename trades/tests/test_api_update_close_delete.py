"""GET/PATCH/DELETE /api/trades/{trade_id} and POST /api/trades/{trade_id}/close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from trades.models import Trade, TradeStatus
from trades.tests.assertions import assert_domain_error, assert_validation_error
from trades.tests.factories import ENTRY, make_closed_trade, make_trade, snapshot, table_state

pytestmark = pytest.mark.django_db


def patch(client, trade_id, body):
    return client.patch(f"/api/trades/{trade_id}", body, format="json")


def close(client, trade_id, query="", body=None):
    path = f"/api/trades/{trade_id}/close{query}"
    if body is None:
        return client.post(path)
    return client.post(path, body, format="json")


# --- GET ----------------------------------------------------------------------------------


def test_get_returns_the_trade(api_client):
    trade = make_trade(trade_id="GET-1", notes="why")

    response = api_client.get(f"/api/trades/{trade.id}/")

    assert response.status_code == 200
    assert response.json()["trade_id"] == "GET-1"
    assert response.json()["notes"] == "why"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_trade_is_404(api_client, method):
    response = getattr(api_client, method)("/api/trades/999", {}, format="json")

    assert_domain_error(response, 404, "Trade with ID 999 not found")


def test_id_beyond_bigint_is_404_not_500(api_client):
    response = api_client.get(f"/api/trades/{2**70}")

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["get", "patch", "delete", "post"])
def test_non_integer_trade_id_is_422_at_the_path(api_client, method):
    path = "/api/trades/abc/close?exit_price=1" if method == "post" else "/api/trades/abc"

    response = getattr(api_client, method)(path, {}, format="json")

    assert_validation_error(response, (["path", "trade_id"], "int_parsing"))


def test_wrong_method_is_405_with_allow_header(api_client):
    trade = make_trade()

    response = api_client.put(f"/api/trades/{trade.id}", {}, format="json")

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert {"GET", "PATCH", "DELETE"} <= {m.strip() for m in response["Allow"].split(",")}


# --- PATCH --------------------------------------------------------------------------------


def test_patch_without_body_is_422_and_changes_nothing(api_client):
    trade = make_trade()
    before = snapshot(trade)

    response = api_client.patch(f"/api/trades/{trade.id}", content_type="application/json")

    assert_validation_error(response, (["body"], "missing"))
    assert snapshot(trade) == before


def test_patch_with_empty_object_is_a_no_op(api_client):
    trade = make_trade()
    before = snapshot(trade)

    response = patch(api_client, trade.id, {})

    assert response.status_code == 200
    assert response.json()["updated_at"] == before["updated_at"].isoformat().replace("+00:00", "Z")
    assert snapshot(trade) == before


@pytest.mark.parametrize(
    ("body", "loc", "type_"),
    [
        ({"status": None}, "status", "value_error"),
        ({"status": "PENDING"}, "status", "enum"),
        ({"exit_price": 0}, "exit_price", "greater_than"),
        ({"exit_price": "x"}, "exit_price", "float_parsing"),
        ({"exit_date": "soon"}, "exit_date", "datetime_parsing"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(api_client, body, loc, type_):
    trade = make_trade()
    before = snapshot(trade)

    response = patch(api_client, trade.id, body)

    assert_validation_error(response, (["body", loc], type_))
    assert snapshot(trade) == before


def test_patch_updates_notes_only(api_client):
    trade = make_trade(notes="old")

    response = patch(api_client, trade.id, {"notes": "new", "ticker": "IGNORED"})

    assert response.status_code == 200
    trade.refresh_from_db()
    assert (trade.notes, trade.ticker, trade.status) == ("new", "AAPL", TradeStatus.OPEN)
    assert response.json()["notes"] == "new"


def test_patch_closing_without_exit_price_is_422_at_exit_price(api_client):
    trade = make_trade()
    before = snapshot(trade)

    response = patch(api_client, trade.id, {"status": "CLOSED"})

    assert_validation_error(response, (["body", "exit_price"], "value_error"))
    assert snapshot(trade) == before


def test_patch_closing_computes_pnl_and_defaults_exit_date_to_now(api_client):
    trade = make_trade()
    started = timezone.now()

    response = patch(api_client, trade.id, {"status": "closed", "exit_price": 120})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["exit_price"], body["pnl"], body["pnl_percent"]) == (
        "CLOSED",
        120.0,
        197.0,
        19.7,
    )
    trade.refresh_from_db()
    assert trade.exit_date is not None
    assert started <= trade.exit_date <= timezone.now()
    assert trade.pnl == Decimal("197.0000")
    assert trade.event_timestamp == trade.exit_date


def test_patch_closing_with_exit_before_entry_is_422(api_client):
    trade = make_trade()
    before = snapshot(trade)

    response = patch(
        api_client,
        trade.id,
        {"status": "CLOSED", "exit_price": 120, "exit_date": "2024-01-14T00:00:00Z"},
    )

    assert_validation_error(response, (["body", "exit_date"], "value_error"))
    assert snapshot(trade) == before


def test_patch_changing_exit_price_of_closed_trade_recomputes_pnl(api_client):
    trade = make_closed_trade(exit_price=120, exit_date=ENTRY + timedelta(days=1))

    response = patch(api_client, trade.id, {"exit_price": 90})

    assert response.status_code == 200
    assert (response.json()["pnl"], response.json()["pnl_percent"]) == (-103.0, -10.3)


def test_reopening_clears_exit_and_pnl(api_client):
    trade = make_closed_trade(exit_price=120, exit_date=ENTRY + timedelta(days=1))

    response = patch(api_client, trade.id, {"status": "OPEN"})

    assert response.status_code == 200
    body = response.json()
    assert [body[k] for k in ("status", "exit_price", "exit_date", "pnl", "pnl_percent")] == [
        "OPEN",
        None,
        None,
        None,
        None,
    ]
    trade.refresh_from_db()
    assert (trade.exit_price, trade.exit_date, trade.pnl, trade.pnl_percent) == (
        None,
        None,
        None,
        None,
    )
    assert trade.event_timestamp == trade.entry_date


def test_cancelling_a_closed_trade_drops_its_pnl(api_client):
    trade = make_closed_trade(exit_price=120, exit_date=ENTRY + timedelta(days=1))

    response = patch(api_client, trade.id, {"status": "CANCELLED"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["pnl"]) == ("CANCELLED", None)
    assert response.json()["exit_price"] == 120.0


def test_closed_via_patch_with_explicit_exit_date_keeps_it(api_client):
    trade = make_trade(direction="SELL")

    response = patch(
        api_client,
        trade.id,
        {"status": "CLOSED", "exit_price": 80, "exit_date": "2024-02-01T10:00:00+01:00"},
    )

    assert response.status_code == 200
    assert response.json()["exit_date"] == "2024-02-01T09:00:00Z"
    assert (response.json()["pnl"], response.json()["pnl_percent"]) == (197.0, 19.7)


# --- POST /close --------------------------------------------------------------------------


def test_close_with_query_params_is_the_contract_example(api_client):
    trade = make_trade()

    response = close(api_client, trade.id, "?exit_price=120&exit_date=2024-02-01T00:00:00Z")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "CLOSED"
    assert body["exit_date"] == "2024-02-01T00:00:00Z"
    assert (body["pnl"], body["pnl_percent"]) == (197.0, 19.7)
    trade.refresh_from_db()
    assert (trade.pnl, trade.pnl_percent) == (Decimal("197"), Decimal("19.7"))


def test_close_with_json_body_and_trailing_slash(api_client):
    trade = make_trade(quantity=1, entry_price=10)

    response = api_client.post(f"/api/trades/{trade.id}/close/", {"exit_price": 12}, format="json")

    assert response.status_code == 200
    assert (response.json()["pnl"], response.json()["pnl_percent"]) == (-1.0, -10.0)


def test_close_of_a_short_trade_computes_pnl_net_of_commission(api_client):
    trade = make_trade(direction="SELL", quantity=5, entry_price=50, commission=1)

    response = close(api_client, trade.id, "?exit_price=40")

    # (50 - 40) * 5 - 1 = 49; 49 / 250 * 100 = 19.6
    assert (response.json()["pnl"], response.json()["pnl_percent"]) == (49.0, 19.6)


def test_close_without_exit_date_uses_now(api_client):
    trade = make_trade()
    started = timezone.now()

    response = close(api_client, trade.id, "?exit_price=101")

    assert response.status_code == 200
    trade.refresh_from_db()
    assert trade.exit_date is not None
    assert started <= trade.exit_date <= timezone.now()


def test_close_without_exit_price_is_422_and_changes_nothing(api_client):
    trade = make_trade()
    before = snapshot(trade)

    response = close(api_client, trade.id)

    assert_validation_error(response, (["query", "exit_price"], "missing"))
    assert snapshot(trade) == before


@pytest.mark.parametrize(
    ("query", "body", "loc"),
    [
        ("?exit_price=0", None, ["query", "exit_price"]),
        ("?exit_price=-5", None, ["query", "exit_price"]),
        ("", {"exit_price": 0}, ["body", "exit_price"]),
    ],
)
def test_close_with_non_positive_exit_price_is_422(api_client, query, body, loc):
    trade = make_trade()
    before = snapshot(trade)

    response = close(api_client, trade.id, query, body)

    assert_validation_error(response, (loc, "greater_than"))
    assert snapshot(trade) == before


@pytest.mark.parametrize(
    ("query", "body", "loc"),
    [
        ("?exit_price=120&exit_date=2024-01-15T14:29:59Z", None, ["query", "exit_date"]),
        ("", {"exit_price": 120, "exit_date": "2024-01-01"}, ["body", "exit_date"]),
    ],
)
def test_close_with_exit_before_entry_is_422(api_client, query, body, loc):
    trade = make_trade()
    before = snapshot(trade)

    response = close(api_client, trade.id, query, body)

    assert_validation_error(response, (loc, "value_error"))
    assert snapshot(trade) == before


def test_close_at_the_entry_instant_is_allowed(api_client):
    trade = make_trade()

    response = close(api_client, trade.id, "?exit_price=100&exit_date=2024-01-15T14:30:00Z")

    assert response.status_code == 200
    assert response.json()["pnl"] == -3.0


@pytest.mark.parametrize("status", [TradeStatus.CLOSED, TradeStatus.CANCELLED])
def test_closing_a_trade_that_is_not_open_is_409(api_client, status):
    if status == TradeStatus.CLOSED:
        trade = make_closed_trade(exit_price=120, exit_date=ENTRY + timedelta(days=1))
    else:
        trade = make_trade(status=status)
    before = snapshot(trade)

    response = close(api_client, trade.id, "?exit_price=130")

    assert_domain_error(
        response,
        409,
        f"Trade with ID {trade.id} is {status.value}; only OPEN trades can be closed",
    )
    assert snapshot(trade) == before


def test_closing_a_missing_trade_is_404(api_client):
    response = close(api_client, 12345, "?exit_price=1")

    assert_domain_error(response, 404, "Trade with ID 12345 not found")


# --- DELETE -------------------------------------------------------------------------------


def test_delete_removes_the_trade_and_returns_204(api_client):
    keep = make_trade(trade_id="KEEP")
    gone = make_trade(trade_id="GONE")

    response = api_client.delete(f"/api/trades/{gone.id}/")

    assert response.status_code == 204
    assert response.content == b""
    assert list(Trade.objects.values_list("trade_id", flat=True)) == [keep.trade_id]
    assert_domain_error(
        api_client.delete(f"/api/trades/{gone.id}"), 404, f"Trade with ID {gone.id} not found"
    )


def test_head_on_a_trade_answers_like_get_without_body(api_client):
    trade = make_trade()

    response = api_client.head(f"/api/trades/{trade.id}")

    assert response.status_code == 200
    assert response.content == b""


def test_a_rejected_request_leaves_every_row_untouched(api_client):
    make_trade(trade_id="A")
    target = make_closed_trade(
        trade_id="B", exit_price=120, exit_date=datetime(2024, 2, 1, tzinfo=UTC)
    )
    before = table_state()

    close(api_client, target.id, "?exit_price=1")
    patch(api_client, target.id, {"status": None})
    api_client.delete("/api/trades/nope")

    assert table_state() == before
