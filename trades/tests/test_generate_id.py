"""GET /api/trades/utils/generate-id and ids of trades created without one (§3.4)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import connection

from trades.models import Trade, TradeIdCounter
from trades.services import generate_trade_id
from trades.tests.assertions import assert_validation_error
from trades.tests.factories import make_trade, trade_payload

pytestmark = pytest.mark.django_db


def today() -> str:
    return datetime.now(UTC).strftime("%Y%m%d")


def generated(client, **params):
    response = client.get("/api/trades/utils/generate-id", params)
    assert response.status_code == 200, response.content
    assert list(response.json()) == ["trade_id"]
    return response.json()["trade_id"]


def test_ids_are_sequential_per_prefix_and_utc_day(api_client):
    assert generated(api_client) == f"TRD-{today()}-0001"
    assert generated(api_client) == f"TRD-{today()}-0002"
    assert generated(api_client, prefix="Swing_2") == f"Swing_2-{today()}-0001"
    assert generated(api_client) == f"TRD-{today()}-0003"


def test_counter_is_kept_per_day():
    first = generate_trade_id(prefix="X", at=datetime(2024, 1, 1, 23, 59, tzinfo=UTC))
    next_day = generate_trade_id(prefix="X", at=datetime(2024, 1, 2, 0, 0, tzinfo=UTC))

    assert (first, next_day) == ("X-20240101-0001", "X-20240102-0001")
    assert TradeIdCounter.objects.count() == 2


def test_sequence_grows_beyond_four_digits():
    TradeIdCounter.objects.create(prefix="BIG", day=datetime(2024, 1, 1).date(), last_value=9999)

    assert generate_trade_id(prefix="BIG", at=datetime(2024, 1, 1, tzinfo=UTC)) == (
        "BIG-20240101-10000"
    )


def test_ids_are_never_reused_after_deletes(api_client):
    created = [
        api_client.post("/api/trades", trade_payload(), format="json").json() for _ in range(3)
    ]
    for trade in created[1:]:
        assert api_client.delete(f"/api/trades/{trade['id']}").status_code == 204

    again = api_client.post("/api/trades", trade_payload(), format="json").json()

    assert [t["trade_id"] for t in created] == [f"TRD-{today()}-000{n}" for n in (1, 2, 3)]
    assert again["trade_id"] == f"TRD-{today()}-0004"


def test_ids_taken_by_existing_trades_are_skipped(api_client):
    make_trade(trade_id=f"TRD-{today()}-0001")
    make_trade(trade_id=f"TRD-{today()}-0002")

    assert generated(api_client) == f"TRD-{today()}-0003"


def test_create_without_trade_id_shares_the_generator(api_client):
    assert generated(api_client) == f"TRD-{today()}-0001"

    response = api_client.post("/api/trades", trade_payload(trade_id=None), format="json")

    assert response.json()["trade_id"] == f"TRD-{today()}-0002"
    assert Trade.objects.get().trade_id == f"TRD-{today()}-0002"


@pytest.mark.parametrize(
    ("prefix", "type_"),
    [
        ("", "string_too_short"),
        ("bad-prefix", "string_pattern_mismatch"),
        ("A" * 21, "string_pattern_mismatch"),
        ("sp ace", "string_pattern_mismatch"),
        ("é", "string_pattern_mismatch"),
    ],
)
def test_invalid_prefix_is_422_and_consumes_nothing(api_client, prefix, type_):
    response = api_client.get("/api/trades/utils/generate-id", {"prefix": prefix})

    assert_validation_error(response, (["query", "prefix"], type_))
    assert not TradeIdCounter.objects.exists()


def _generate_in_own_connection() -> str:
    try:
        return generate_trade_id(prefix="RACE")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_get_the_same_id():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL's row locks")

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(lambda _: _generate_in_own_connection(), range(30)))

    assert sorted(ids) == [f"RACE-{today()}-{n:04d}" for n in range(1, 31)]
    assert TradeIdCounter.objects.get(prefix="RACE").last_value == 30
