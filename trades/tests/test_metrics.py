"""P&L, portfolio metrics, dashboard and by-ticker statistics (contract §2.1, §3.4)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync

from trades import selectors
from trades.metrics import (
    daily_returns,
    equity_curve,
    max_drawdown,
    mean_holding_days,
    risk_metrics,
    trade_statistics,
)
from trades.models import TradeStatus
from trades.pnl import realised_pnl
from trades.tests.assertions import assert_validation_error
from trades.tests.factories import ENTRY, make_closed_trade, make_trade

PORTFOLIO_KEYS = [
    "total_value",
    "cash_balance",
    "invested_value",
    "daily_return",
    "total_return",
    "volatility",
    "sharpe_ratio",
    "max_drawdown",
    "total_trades",
    "winning_trades",
    "losing_trades",
    "win_rate",
    "total_pnl",
    "avg_pnl_per_trade",
    "best_trade",
    "worst_trade",
]


# --- Pure formulas ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "quantity", "entry", "exit_", "commission", "pnl", "percent"),
    [
        ("BUY", "10", "100", "120", "3", "197", "19.7"),
        ("BUY", "1", "10", "12", "3", "-1", "-10"),
        ("SELL", "10", "100", "80", "3", "197", "19.7"),
        ("SELL", "10", "100", "120", "3", "-203", "-20.3"),
        ("BUY", "3", "10", "11", "3", "0", "0"),
        ("BUY", "0.5", "0.1", "0.3", "0", "0.1", "200"),
    ],
)
def test_realised_pnl_is_net_of_commission(
    direction, quantity, entry, exit_, commission, pnl, percent
):
    result = realised_pnl(
        direction=direction,
        quantity=Decimal(quantity),
        entry_price=Decimal(entry),
        exit_price=Decimal(exit_),
        commission=Decimal(commission),
    )

    assert result.pnl == Decimal(pnl)
    assert result.pnl_percent == Decimal(percent)


def test_realised_pnl_rounds_to_four_places_half_even():
    result = realised_pnl(
        direction="BUY",
        quantity=Decimal("3"),
        entry_price=Decimal("1"),
        exit_price=Decimal("1.33333333"),
        commission=Decimal(0),
    )

    assert result.pnl == Decimal("1.0000")
    assert result.pnl_percent == Decimal("33.3333")


def test_zero_pnl_is_neither_a_win_nor_a_loss():
    stats = trade_statistics([Decimal(5), Decimal(0), Decimal(-2)])

    assert (stats.winning_trades, stats.losing_trades) == (1, 1)
    assert stats.win_rate == pytest.approx(100 / 3)
    assert (stats.total_pnl, stats.best_trade, stats.worst_trade) == (
        Decimal(3),
        Decimal(5),
        Decimal(-2),
    )
    assert stats.avg_pnl_per_trade == Decimal(1)


def test_statistics_without_closed_trades_are_null_not_zero():
    stats = trade_statistics([])

    assert (stats.win_rate, stats.avg_pnl_per_trade, stats.best_trade, stats.worst_trade) == (
        None,
        None,
        None,
        None,
    )
    assert stats.total_pnl == 0


def test_equity_curve_samples_weekdays_and_rolls_weekend_exits_forward():
    curve = equity_curve(
        initial_capital=1000.0,
        exits=[(date(2024, 1, 8), 20.0), (date(2024, 1, 6), 10.0)],  # Monday, Saturday
        today=date(2024, 1, 9),  # Tuesday
    )

    assert curve == [1030.0, 1030.0]


def test_equity_curve_without_exits_is_empty():
    assert equity_curve(initial_capital=1.0, exits=[], today=date(2024, 1, 1)) == []


def test_risk_metrics_hand_computed_three_returns():
    # E = [1000, 1100, 1045, 1149.5] -> r = [0.10, -0.05, 0.10]
    # mean = 0.05; sample variance = (0.05^2 + 0.1^2 + 0.05^2) / 2 = 0.0075
    # volatility = sqrt(0.0075 * 252) * 100 = sqrt(1.89) * 100
    # sharpe = (0.05 * 252 - 0.04) / sqrt(1.89) = 12.56 / sqrt(1.89)
    # drawdown: 1045 / 1100 - 1 = -5 %
    risk = risk_metrics(equity=[1000.0, 1100.0, 1045.0, 1149.5], risk_free_rate=0.04)

    assert risk.daily_return == pytest.approx(10.0)
    assert risk.volatility == pytest.approx(math.sqrt(1.89) * 100)
    assert risk.volatility == pytest.approx(137.4772708)
    assert risk.sharpe_ratio == pytest.approx(12.56 / math.sqrt(1.89))
    assert risk.sharpe_ratio == pytest.approx(9.1360557)
    assert risk.max_drawdown == pytest.approx(-5.0)


def test_risk_metrics_need_enough_returns():
    assert risk_metrics(equity=[], risk_free_rate=0.04) == risk_metrics(
        equity=[1.0], risk_free_rate=0.04
    )
    one_return = risk_metrics(equity=[100.0, 110.0], risk_free_rate=0.04)
    assert one_return.daily_return == pytest.approx(10.0)
    assert (one_return.volatility, one_return.sharpe_ratio, one_return.max_drawdown) == (
        None,
        None,
        None,
    )


def test_flat_equity_has_zero_volatility_and_no_sharpe():
    risk = risk_metrics(equity=[100.0, 100.0, 100.0], risk_free_rate=0.04)

    assert (risk.daily_return, risk.volatility, risk.sharpe_ratio, risk.max_drawdown) == (
        0.0,
        0.0,
        None,
        0.0,
    )


def test_max_drawdown_is_the_deepest_fall_from_a_running_peak():
    assert max_drawdown([100.0, 120.0, 90.0, 130.0, 117.0]) == pytest.approx(-25.0)
    assert max_drawdown([100.0, 101.0]) == 0.0


def test_daily_returns_of_a_wiped_out_account_are_nan():
    assert math.isnan(daily_returns([0.0, 10.0])[0])


def test_mean_holding_days_is_fractional_and_rounded():
    assert mean_holding_days([timedelta(days=1), timedelta(hours=12)]) == 0.75
    assert mean_holding_days([timedelta(hours=8)]) == 0.33
    assert mean_holding_days([]) is None


# --- GET /api/trades/metrics/portfolio ----------------------------------------------------


def recent_weekdays(count: int) -> list[date]:
    """The last ``count`` UTC weekdays up to today, oldest first."""
    day = datetime.now(UTC).date()
    days: list[date] = []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@pytest.mark.django_db
def test_portfolio_metrics_without_trades(api_client):
    response = api_client.get("/api/trades/metrics/portfolio")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == PORTFOLIO_KEYS
    assert body == {
        "total_value": 100000.0,
        "cash_balance": 100000.0,
        "invested_value": 0.0,
        "daily_return": None,
        "total_return": 0.0,
        "volatility": None,
        "sharpe_ratio": None,
        "max_drawdown": None,
        "total_trades": 0,
        "winning_trades": 0,
        "losing_trades": 0,
        "win_rate": None,
        "total_pnl": 0.0,
        "avg_pnl_per_trade": None,
        "best_trade": None,
        "worst_trade": None,
    }


@pytest.mark.django_db
def test_portfolio_metrics_hand_computed(api_client, settings):
    settings.PARAKEET_RISK_FREE_RATE = 0.04
    d0, d1, d2, d3 = recent_weekdays(4)
    entry = at_midnight(d0) - timedelta(days=10)
    common = {"quantity": 1, "entry_price": 100, "commission": 0, "entry_date": entry}
    # Realised pnl per day: 0 (neither win nor loss), +100, -55, +104.5.
    make_closed_trade(exit_price=100, exit_date=at_midnight(d0), **common)
    make_closed_trade(exit_price=200, exit_date=at_midnight(d1), **common)
    make_closed_trade(exit_price=45, exit_date=at_midnight(d2), **common)
    make_closed_trade(exit_price="204.5", exit_date=at_midnight(d3), **common)
    make_trade(quantity=4, entry_price=50)  # open: 200 invested
    make_trade(status=TradeStatus.CANCELLED)
    make_trade(status=TradeStatus.CLOSED, pnl=None)  # legacy row without pnl: counted only

    response = api_client.get("/api/trades/metrics/portfolio/", {"initial_capital": 1000})

    assert response.status_code == 200
    body = response.json()
    # Equity E = [1000, 1100, 1045, 1149.5] -> see test_risk_metrics_hand_computed_three_returns.
    assert body == {
        "total_value": 1149.5,
        "cash_balance": 949.5,
        "invested_value": 200.0,
        "daily_return": pytest.approx(10.0),
        "total_return": pytest.approx(14.95),
        "volatility": pytest.approx(137.4772708),
        "sharpe_ratio": pytest.approx(9.1360557),
        "max_drawdown": pytest.approx(-5.0),
        "total_trades": 7,
        "winning_trades": 2,
        "losing_trades": 1,
        "win_rate": 50.0,
        "total_pnl": 149.5,
        "avg_pnl_per_trade": 37.375,
        "best_trade": 104.5,
        "worst_trade": -55.0,
    }


@pytest.mark.django_db
def test_sharpe_uses_the_configured_risk_free_rate(api_client, settings):
    settings.PARAKEET_RISK_FREE_RATE = 0.0
    d0, d1, d2, d3 = recent_weekdays(4)
    common = {"quantity": 1, "entry_price": 100, "commission": 0, "entry_date": ENTRY}
    for day, exit_price in zip((d0, d1, d2, d3), (100, 200, 45, "204.5"), strict=True):
        make_closed_trade(exit_price=exit_price, exit_date=at_midnight(day), **common)

    body = api_client.get("/api/trades/metrics/portfolio", {"initial_capital": 1000}).json()

    assert body["sharpe_ratio"] == pytest.approx(0.05 * 252 / math.sqrt(1.89))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "type_"),
    [("0", "greater_than"), ("-5", "greater_than"), ("lots", "float_parsing")],
)
def test_initial_capital_must_be_positive(api_client, value, type_):
    for path in ("/api/trades/metrics/portfolio", "/api/trades/metrics/dashboard"):
        response = api_client.get(path, {"initial_capital": value})

        assert_validation_error(response, (["query", "initial_capital"], type_))


# --- GET /api/trades/metrics/dashboard ----------------------------------------------------


@pytest.mark.django_db
def test_dashboard_shape_recent_trades_and_open_positions(api_client):
    for n in range(12):
        make_trade(trade_id=f"R{n:02d}", entry_date=ENTRY + timedelta(days=n // 2))
    make_closed_trade(trade_id="C", exit_price=110, exit_date=ENTRY + timedelta(days=30))

    response = api_client.get("/api/trades/metrics/dashboard")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "portfolio",
        "recent_trades",
        "open_positions",
        "today_pnl",
        "week_pnl",
        "month_pnl",
        "last_updated",
    ]
    assert list(body["portfolio"]) == PORTFOLIO_KEYS
    assert body["portfolio"]["total_trades"] == 13
    # Ordered by entry_date descending, then id descending (pairs share an entry_date).
    assert [t["trade_id"] for t in body["recent_trades"]] == [
        "R11",
        "R10",
        "R09",
        "R08",
        "R07",
        "R06",
        "R05",
        "R04",
        "R03",
        "R02",
    ]
    assert [t["trade_id"] for t in body["open_positions"]] == [
        f"R{n:02d}" for n in range(11, -1, -1)
    ]
    assert body["last_updated"].endswith("Z")


@pytest.mark.django_db
def test_dashboard_period_pnl_uses_utc_day_monday_week_and_month():
    now = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)  # a Wednesday
    entry = datetime(2024, 4, 1, tzinfo=UTC)
    common = {"quantity": 1, "entry_price": 100, "commission": 0, "entry_date": entry}
    make_closed_trade(exit_price=110, exit_date=datetime(2024, 5, 15, 0, 0, tzinfo=UTC), **common)
    make_closed_trade(exit_price=120, exit_date=datetime(2024, 5, 13, 0, 0, tzinfo=UTC), **common)
    make_closed_trade(exit_price=140, exit_date=datetime(2024, 5, 1, 0, 0, tzinfo=UTC), **common)
    make_closed_trade(exit_price=180, exit_date=datetime(2024, 4, 30, 23, 59, tzinfo=UTC), **common)
    make_closed_trade(exit_price=260, exit_date=datetime(2024, 5, 15, 13, 0, tzinfo=UTC), **common)

    summary = async_to_sync(selectors.dashboard_summary)(initial_capital=Decimal(1000), now=now)

    assert (summary.today_pnl, summary.week_pnl, summary.month_pnl) == (
        Decimal(10),
        Decimal(30),
        Decimal(70),
    )
    assert summary.last_updated == now


@pytest.mark.django_db
def test_dashboard_period_pnl_is_zero_when_nothing_matches(api_client):
    body = api_client.get("/api/trades/metrics/dashboard").json()

    assert (body["today_pnl"], body["week_pnl"], body["month_pnl"]) == (0.0, 0.0, 0.0)
    assert (body["recent_trades"], body["open_positions"]) == ([], [])


# --- GET /api/trades/metrics/by-ticker ----------------------------------------------------


@pytest.mark.django_db
def test_by_ticker_statistics_over_closed_trades(api_client):
    make_closed_trade(
        ticker="MSFT",
        quantity=1,
        entry_price=10,
        exit_price=12,
        exit_date=ENTRY + timedelta(hours=12),
    )
    make_closed_trade(ticker="AAPL", exit_price=120, exit_date=ENTRY + timedelta(days=2))
    make_closed_trade(ticker="AAPL", exit_price="100.3", exit_date=ENTRY + timedelta(days=1))
    make_trade(ticker="AAPL")
    make_trade(ticker="BHP.AX", status=TradeStatus.CANCELLED)
    make_trade(ticker="ZZZ", status=TradeStatus.CLOSED, pnl=None)

    response = api_client.get("/api/trades/metrics/by-ticker/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "ticker": "AAPL",
            "total_trades": 2,
            "total_pnl": 197.0,
            "avg_pnl": 98.5,
            "win_rate": 50.0,
            "avg_holding_days": 1.5,
        },
        {
            "ticker": "MSFT",
            "total_trades": 1,
            "total_pnl": -1.0,
            "avg_pnl": -1.0,
            "win_rate": 0.0,
            "avg_holding_days": 0.5,
        },
        {
            "ticker": "ZZZ",
            "total_trades": 1,
            "total_pnl": 0.0,
            "avg_pnl": None,
            "win_rate": None,
            "avg_holding_days": None,
        },
    ]


@pytest.mark.django_db
def test_by_ticker_is_empty_without_closed_trades(api_client):
    make_trade()

    assert api_client.get("/api/trades/metrics/by-ticker").json() == []


# --- Aggregation in the database ----------------------------------------------------------


@pytest.mark.django_db
def test_the_equity_curve_sums_exits_by_utc_calendar_day(api_client):
    d0, d1, d2 = recent_weekdays(3)
    common = {"quantity": 1, "entry_price": 100, "commission": 0, "entry_date": ENTRY}
    # Day d0: +10 at 00:00:00 and +20 at 23:59:59.999999 UTC; d1: -15 just after midnight.
    make_closed_trade(exit_price=110, exit_date=at_midnight(d0), **common)
    last_instant = at_midnight(d0) + timedelta(days=1, microseconds=-1)
    make_closed_trade(exit_price=120, exit_date=last_instant, **common)
    make_closed_trade(exit_price=85, exit_date=at_midnight(d1) + timedelta(seconds=1), **common)
    make_closed_trade(exit_price=150, exit_date=at_midnight(d2) + timedelta(hours=12), **common)

    body = api_client.get("/api/trades/metrics/portfolio", {"initial_capital": 1000}).json()

    # E = [1030, 1015, 1065]; r = [1015/1030 - 1, 1065/1015 - 1]
    returns = [1015 / 1030 - 1, 1065 / 1015 - 1]
    mean = sum(returns) / 2
    std = math.sqrt(sum((r - mean) ** 2 for r in returns))
    assert body["daily_return"] == pytest.approx(returns[1] * 100)
    assert body["max_drawdown"] == pytest.approx(returns[0] * 100)
    assert body["volatility"] == pytest.approx(std * math.sqrt(252) * 100)
    assert (body["total_pnl"], body["total_value"]) == (65.0, 1065.0)


@pytest.mark.django_db
def test_invested_value_is_summed_exactly_and_rounded_to_money_precision(api_client):
    make_trade(quantity="0.12345678", entry_price="43210.12345678")
    make_trade(quantity="3", entry_price="0.00003333")
    make_closed_trade(exit_price=120, exit_date=ENTRY + timedelta(days=1))  # pnl 197

    body = api_client.get("/api/trades/metrics/portfolio", {"initial_capital": 1000}).json()

    exact = Decimal("0.12345678") * Decimal("43210.12345678") + Decimal("3") * Decimal("0.00003333")
    invested = exact.quantize(Decimal("0.0001"))
    assert invested == Decimal("5334.5828")  # of 5334.58280536652796...
    assert body["invested_value"] == float(invested)
    assert body["total_value"] == 1197.0
    assert body["cash_balance"] == float(Decimal(1197) - invested)


@pytest.mark.django_db
def test_the_dashboard_runs_the_same_few_queries_for_any_journal_size(api_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get("/api/trades/metrics/dashboard")
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    make_trade()
    make_closed_trade(exit_price=120, exit_date=ENTRY + timedelta(days=1))
    small = queries()
    for n in range(40):
        make_trade(entry_date=ENTRY + timedelta(hours=n))
        make_closed_trade(exit_price=90 + n, exit_date=ENTRY + timedelta(days=n % 7 + 1))
    large = queries()

    # Counts, sums, the per-day equity and the period P&L are aggregates; only the 10
    # recent trades and the open positions are read as rows.
    assert len(small) == len(large) <= 6
