"""The trades admin: changelist filters and search, add/change through the services, actions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from trades.models import PortfolioSnapshot, Trade, TradeStatus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:trades_trade_changelist")
ADD = reverse("admin:trades_trade_add")


def change_url(trade: Trade) -> str:
    return reverse("admin:trades_trade_change", args=[trade.pk])


@pytest.fixture
def admin_client(client: Client) -> Client:
    # No password: hashing one is slow, and force_login doesn't need it.
    user = get_user_model().objects.create_superuser(
        username="boss", email="boss@example.com", password=None
    )
    client.force_login(user)
    return client


def make_trade(trade_id: str, **overrides: Any) -> Trade:
    values: dict[str, Any] = {
        "trade_id": trade_id,
        "ticker": "AAPL",
        "direction": "BUY",
        "quantity": Decimal("10"),
        "entry_price": Decimal("100"),
        "entry_date": datetime(2024, 3, 4, 15, tzinfo=UTC),
        "currency": "USD",
        "strategy_name": "momentum",
        "asset_class": "equity",
    }
    values.update(overrides)
    return Trade.objects.create(**values)


@pytest.fixture
def journal() -> dict[str, Trade]:
    return {
        "aapl": make_trade("T-AAPL", notes="breakout above the range"),
        "bhp": make_trade(
            "T-BHP",
            ticker="BHP.AX",
            direction="SELL",
            currency="AUD",
            strategy_name="dual_momentum",
            asset_class="etf",
            entry_date=datetime(2025, 6, 2, 1, tzinfo=UTC),
        ),
        "msft": make_trade(
            "T-MSFT",
            ticker="MSFT",
            entry_date=datetime(2024, 2, 5, 15, tzinfo=UTC),
            status=TradeStatus.CLOSED,
            exit_price=Decimal("120"),
            exit_date=datetime(2024, 4, 1, 15, tzinfo=UTC),
            pnl=Decimal("197"),
            pnl_percent=Decimal("19.7"),
        ),
        "spy": make_trade("T-SPY", ticker="SPY", status=TradeStatus.CANCELLED, asset_class=None),
    }


def listed(client: Client, query: str = "") -> set[str]:
    response = client.get(f"{CHANGELIST}{query}")
    assert response.status_code == 200
    return {trade.trade_id for trade in response.context["cl"].result_list}


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "trade_id": "",
        "ticker": "nvda",
        "asset_name": "NVIDIA Corporation",
        "asset_class": "equity",
        "direction": "BUY",
        "quantity": "10",
        "entry_price": "100",
        "entry_date_0": "2024-01-02",
        "entry_date_1": "10:30:00",
        "commission": "3.0",
        "currency": "usd",
        "status": "OPEN",
        "exit_price": "",
        "exit_date_0": "",
        "exit_date_1": "",
        "strategy_name": "momentum",
        "signal_score": "0.7",
        "notes": "",
    }
    data.update(overrides)
    return data


def change_form_data(trade: Trade, **overrides: Any) -> dict[str, Any]:
    data = form_data(
        ticker=trade.ticker,
        asset_name=trade.asset_name or "",
        asset_class=trade.asset_class or "",
        direction=trade.direction,
        quantity=str(trade.quantity),
        entry_price=str(trade.entry_price),
        entry_date_0=trade.entry_date.strftime("%Y-%m-%d"),
        entry_date_1=trade.entry_date.strftime("%H:%M:%S"),
        commission=str(trade.commission),
        currency=trade.currency,
        status=trade.status,
        exit_price="" if trade.exit_price is None else str(trade.exit_price),
        exit_date_0="" if trade.exit_date is None else trade.exit_date.strftime("%Y-%m-%d"),
        exit_date_1="" if trade.exit_date is None else trade.exit_date.strftime("%H:%M:%S"),
        strategy_name=trade.strategy_name,
        signal_score="" if trade.signal_score is None else str(trade.signal_score),
        notes=trade.notes or "",
    )
    data.pop("trade_id")  # read-only once the trade exists
    data.update(overrides)
    return data


def test_the_admin_requires_a_staff_login(client, journal):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_changelist_shows_every_trade_with_its_columns(admin_client, journal):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert {t.trade_id for t in response.context["cl"].result_list} == {
        "T-AAPL",
        "T-BHP",
        "T-MSFT",
        "T-SPY",
    }
    html = response.content.decode()
    for header in ("Trade id", "Ticker", "Pnl", "Pnl percent", "Strategy name"):
        assert header in html
    assert "19.7000" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status__exact=OPEN", {"T-AAPL", "T-BHP"}),
        ("?status__exact=CLOSED", {"T-MSFT"}),
        ("?status__exact=CANCELLED", {"T-SPY"}),
        ("?direction__exact=SELL", {"T-BHP"}),
        ("?strategy_name=dual_momentum", {"T-BHP"}),
        ("?strategy_name=momentum", {"T-AAPL", "T-MSFT", "T-SPY"}),
        ("?asset_class=etf", {"T-BHP"}),
        ("?asset_class__isnull=True", {"T-SPY"}),
        ("?currency=AUD", {"T-BHP"}),
        ("?currency=USD&status__exact=OPEN", {"T-AAPL"}),
        ("?entry_date__year=2025", {"T-BHP"}),
        ("?entry_date__year=2024&entry_date__month=3", {"T-AAPL", "T-SPY"}),
    ],
)
def test_each_list_filter_shows_the_matching_trades(admin_client, journal, query, expected):
    assert listed(admin_client, query) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("bhp", {"T-BHP"}),
        ("T-MSFT", {"T-MSFT"}),
        ("breakout", {"T-AAPL"}),
        ("nothing-like-this", set()),
    ],
)
def test_search_matches_ticker_trade_id_and_notes(admin_client, journal, term, expected):
    assert listed(admin_client, f"?q={term}") == expected


def test_the_add_form_creates_a_closed_trade_with_its_pnl_computed(admin_client):
    response = admin_client.post(
        ADD,
        form_data(
            trade_id="ADM-1",
            status="CLOSED",
            exit_price="120",
            exit_date_0="2024-02-01",
            exit_date_1="15:00:00",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    trade = Trade.objects.get(trade_id="ADM-1")
    assert response["Location"] == CHANGELIST
    assert (trade.ticker, trade.currency, trade.status) == ("NVDA", "USD", "CLOSED")
    assert trade.pnl == Decimal("197")
    assert trade.pnl_percent == Decimal("19.7")
    assert trade.entry_date == datetime(2024, 1, 2, 10, 30, tzinfo=UTC)
    assert trade.exit_date == datetime(2024, 2, 1, 15, tzinfo=UTC)
    assert trade.event_timestamp == trade.exit_date
    assert trade.signal_score == 0.7


def test_the_add_form_generates_a_trade_id_and_leaves_an_open_trade_without_pnl(admin_client):
    response = admin_client.post(ADD, form_data(pnl="999", pnl_percent="99"))

    assert response.status_code == 302
    trade = Trade.objects.get()
    assert trade.trade_id.startswith("TRD-")
    assert trade.status == "OPEN"
    assert trade.pnl is None
    assert trade.pnl_percent is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"status": "CLOSED"}, "exit_price", "An exit price is required to close a trade."),
        (
            {"exit_price": "110", "exit_date_0": "2023-12-31", "exit_date_1": "10:00:00"},
            "exit_date",
            "The exit date must not be earlier than the entry date.",
        ),
        ({"quantity": "-5"}, "quantity", "Must be greater than 0."),
        ({"entry_price": "0"}, "entry_price", "Must be greater than 0."),
        ({"commission": "-1"}, "commission", "Must not be negative."),
        ({"currency": "AU"}, "currency", "Enter a 3-letter currency code."),
        ({"ticker": "   "}, "ticker", "This field is required."),
        ({"signal_score": "1.5"}, "signal_score", "Must be between 0 and 1."),
    ],
)
def test_the_add_form_rejects_rule_breaking_input(admin_client, overrides, field, message):
    response = admin_client.post(ADD, form_data(**overrides))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert not Trade.objects.exists()


def test_the_add_form_refuses_a_duplicate_trade_id(admin_client, journal):
    response = admin_client.post(ADD, form_data(trade_id="T-AAPL"))

    assert response.status_code == 200
    assert "trade_id" in response.context["adminform"].form.errors
    assert Trade.objects.count() == 4


def test_the_change_form_loads_with_the_trade_id_read_only(admin_client, journal):
    response = admin_client.get(change_url(journal["msft"]))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "trade_id" not in form.fields
    assert "pnl" not in form.fields
    assert "T-MSFT" in response.content.decode()


def test_closing_through_the_change_form_computes_the_pnl(admin_client, journal):
    trade = journal["aapl"]

    response = admin_client.post(
        change_url(trade),
        change_form_data(
            trade, status="CLOSED", exit_price="90", exit_date_0="2024-03-20", exit_date_1="16:00"
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    trade.refresh_from_db()
    assert trade.status == "CLOSED"
    assert trade.exit_date == datetime(2024, 3, 20, 16, tzinfo=UTC)
    # BUY 10 @ 100 -> 90 with commission 3: -103, -10.3 %.
    assert trade.pnl == Decimal("-103")
    assert trade.pnl_percent == Decimal("-10.3")
    assert trade.notes == "breakout above the range"


def test_changing_the_quantity_of_a_closed_trade_recomputes_its_pnl(admin_client, journal):
    trade = journal["msft"]

    response = admin_client.post(change_url(trade), change_form_data(trade, quantity="20"))

    assert response.status_code == 302
    trade.refresh_from_db()
    assert trade.quantity == Decimal("20")
    assert trade.pnl == Decimal("397")
    assert trade.pnl_percent == Decimal("19.85")


def test_reopening_through_the_change_form_clears_the_exit_and_the_pnl(admin_client, journal):
    trade = journal["msft"]

    response = admin_client.post(change_url(trade), change_form_data(trade, status="OPEN"))

    assert response.status_code == 302
    trade.refresh_from_db()
    assert trade.status == "OPEN"
    assert trade.exit_price is None
    assert trade.exit_date is None
    assert trade.pnl is None
    assert trade.pnl_percent is None
    assert trade.event_timestamp == trade.entry_date


def test_the_change_form_shows_rule_errors_without_saving(admin_client, journal):
    trade = journal["aapl"]

    response = admin_client.post(change_url(trade), change_form_data(trade, status="CLOSED"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["exit_price"] == [
        "An exit price is required to close a trade."
    ]
    trade.refresh_from_db()
    assert trade.status == "OPEN"


def test_the_cancel_action_cancels_only_open_trades(admin_client, journal):
    selected = [journal[name].pk for name in ("aapl", "bhp", "msft")]

    response = admin_client.post(
        CHANGELIST,
        {"action": "cancel_trades", "_selected_action": selected},
        follow=True,
    )

    assert response.status_code == 200
    statuses = dict(Trade.objects.values_list("trade_id", "status"))
    assert statuses == {
        "T-AAPL": "CANCELLED",
        "T-BHP": "CANCELLED",
        "T-MSFT": "CLOSED",
        "T-SPY": "CANCELLED",
    }
    msft = Trade.objects.get(trade_id="T-MSFT")
    assert msft.pnl == Decimal("197")
    assert not Trade.objects.filter(status="CANCELLED", pnl__isnull=False).exists()
    assert [str(m) for m in response.context["messages"]] == [
        "Cancelled 2 open trades. Left 1 that was not OPEN."
    ]


def test_snapshots_are_listed_and_viewable_but_read_only(admin_client):
    snapshot = PortfolioSnapshot.objects.create(
        timestamp=datetime(2024, 2, 1, 21, tzinfo=UTC),
        total_value=Decimal("100197"),
        cash_balance=Decimal("99197.5"),
        invested_value=Decimal("999.5"),
        num_positions=1,
        positions=[{"ticker": "BHP.AX"}],
    )
    changelist = reverse("admin:trades_portfoliosnapshot_changelist")

    listing = admin_client.get(f"{changelist}?timestamp__year=2024")
    detail = admin_client.get(reverse("admin:trades_portfoliosnapshot_change", args=[snapshot.pk]))
    add = admin_client.get(reverse("admin:trades_portfoliosnapshot_add"))
    post = admin_client.post(
        reverse("admin:trades_portfoliosnapshot_change", args=[snapshot.pk]),
        {"total_value": "1"},
    )

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [snapshot]
    assert detail.status_code == 200
    assert "100197" in detail.content.decode()
    assert add.status_code == 403
    assert post.status_code == 403
    snapshot.refresh_from_db()
    assert snapshot.total_value == Decimal("100197")
