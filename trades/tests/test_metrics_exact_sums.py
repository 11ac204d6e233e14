"""Money sums of the portfolio metrics and the dashboard are exact on every database.

The selectors sum P&L (and the invested amount) in the database. PostgreSQL sums NUMERIC
exactly; SQLite stores fractional decimals as REAL and sums them in floating point, which
Django reads back to 15 significant digits, so without rounding the totals of these
journals come back as e.g. ``-3704.01999999999`` instead of ``-3704.02``. Each group of
P&L below was chosen so that its floating-point sum is inexact at that precision. The
tests assert the exact figures and run on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync

from trades import aggregates, selectors
from trades.metrics import equity_curve, risk_metrics
from trades.models import Trade, TradeStatus
from trades.tests.factories import ENTRY, make_trade

CAPITAL = Decimal(100000)
# -3704.02 = 98765.4321 + 0.1 + 0.2 - 102469.7521 (as a float sum: -3704.01999999999).
DAY_ONE = ["98765.4321", "0.1", "0.2", "-102469.7521"]
# -3704.32 = 250000.1234 - 253704.4434 (as a float sum: -3704.31999999998).
DAY_TWO = ["250000.1234", "-253704.4434"]
# -3704.02 again (as a float sum: -3704.01999999995).
DAY_THREE = ["-3704.32", "1000000.0001", "-1000000.0001", "0.1", "0.2"]


def total(*groups: list[str]) -> Decimal:
    return sum((Decimal(pnl) for group in groups for pnl in group), Decimal(0))


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def recent_weekdays(count: int) -> list[date]:
    """The last ``count`` UTC weekdays up to today, oldest first."""
    day = datetime.now(UTC).date()
    days: list[date] = []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def close_all(pnls: list[str], exit_date: datetime) -> None:
    """CLOSED trades with the given pnl, in this order (the order SQLite sums them in)."""
    for pnl in pnls:
        make_trade(
            status=TradeStatus.CLOSED,
            pnl=Decimal(pnl),
            exit_price=100,
            exit_date=exit_date,
            entry_date=min(exit_date, ENTRY) - timedelta(days=1),
        )


def test_summed_money_rounds_a_float_artefact_and_leaves_an_exact_sum_alone():
    assert aggregates.summed_money(None) == 0
    # What Django reads from SQLite's floating-point SUM of DAY_ONE.
    assert str(aggregates.summed_money(Decimal("-3704.01999999999"))) == "-3704.0200"
    assert str(aggregates.summed_money(Decimal("0.300000000000000"))) == "0.3000"
    # What PostgreSQL returns (NUMERIC with 4 places) comes back unchanged.
    assert str(aggregates.summed_money(Decimal("-3704.0200"))) == "-3704.0200"
    # entry_price * quantity sums have up to 16 places: rounded half-even to 4.
    assert aggregates.summed_money(Decimal("5334.58285000")) == Decimal("5334.5828")
    assert aggregates.summed_money(Decimal("5334.58295000")) == Decimal("5334.5830")
    # A NUMERIC sum beyond the default 28 significant digits is kept, not an error.
    huge = Decimal("12345678901234567890123456789.1234")
    assert str(aggregates.summed_money(huge)) == str(huge)
    assert aggregates.summed_money(Decimal("99999999999999999999999999.99995")) == Decimal(10**26)


@pytest.mark.django_db
def test_portfolio_money_sums_are_exact(api_client, settings):
    settings.PARAKEET_RISK_FREE_RATE = 0.04
    d0, d1, d2 = recent_weekdays(3)
    close_all(DAY_ONE, at_midnight(d0) + timedelta(hours=9))
    close_all(DAY_TWO, at_midnight(d1) + timedelta(hours=15))
    close_all(DAY_THREE, at_midnight(d2))
    make_trade(status=TradeStatus.CLOSED, pnl=None)  # legacy row without pnl: counted only
    make_trade(quantity="0.1", entry_price="1234.5678")  # open: 123.45678 invested
    make_trade(quantity="0.2", entry_price="0.1")  # open: 0.02 invested

    response = api_client.get("/api/trades/metrics/portfolio", {"initial_capital": CAPITAL})

    assert response.status_code == 200
    pnl = total(DAY_ONE, DAY_TWO, DAY_THREE)
    assert pnl == Decimal("-11112.36")
    invested = Decimal("123.4768")  # 123.47678 rounded to 4 places
    assert CAPITAL + pnl - invested == Decimal("88764.1632")
    # The equity curve from the exact daily sums.
    risk = risk_metrics(
        equity=equity_curve(
            initial_capital=float(CAPITAL),
            exits=[(d0, -3704.02), (d1, -3704.32), (d2, -3704.02)],
            today=datetime.now(UTC).date(),
        ),
        risk_free_rate=0.04,
    )
    assert None not in (risk.daily_return, risk.volatility, risk.max_drawdown)
    assert response.json() == {
        "total_value": 88887.64,
        "cash_balance": 88764.1632,
        "invested_value": 123.4768,
        "daily_return": risk.daily_return,
        "total_return": float(pnl / CAPITAL * 100),
        "volatility": risk.volatility,
        "sharpe_ratio": risk.sharpe_ratio,
        "max_drawdown": risk.max_drawdown,
        "total_trades": 14,
        "winning_trades": 7,
        "losing_trades": 4,
        "win_rate": 7 / 11 * 100,
        "total_pnl": -11112.36,
        "avg_pnl_per_trade": float(pnl / 11),
        "best_trade": 1000000.0001,
        "worst_trade": -1000000.0001,
    }


@pytest.mark.django_db
def test_dashboard_money_sums_are_exact(api_client):
    today = at_midnight(datetime.now(UTC).date())
    close_all(DAY_ONE + DAY_TWO, ENTRY + timedelta(days=3))  # long ago: total only
    close_all(DAY_THREE, today)  # today, so this week and this month too

    response = api_client.get("/api/trades/metrics/dashboard", {"initial_capital": CAPITAL})

    assert response.status_code == 200
    body = response.json()
    assert (body["today_pnl"], body["week_pnl"], body["month_pnl"]) == (
        -3704.02,
        -3704.02,
        -3704.02,
    )
    portfolio = body["portfolio"]
    assert (portfolio["total_pnl"], portfolio["total_value"], portfolio["cash_balance"]) == (
        -11112.36,
        88887.64,
        88887.64,
    )
    assert portfolio["total_return"] == float(Decimal("-11112.36") / CAPITAL * 100)
    assert portfolio["avg_pnl_per_trade"] == float(Decimal("-11112.36") / 11)


@pytest.mark.django_db
def test_dashboard_period_sums_are_exact():
    now = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)  # a Wednesday
    close_all(DAY_ONE, datetime(2024, 5, 15, 0, 0, tzinfo=UTC))  # today
    close_all(DAY_TWO, datetime(2024, 5, 13, 8, 0, tzinfo=UTC))  # this week (Monday)
    close_all(DAY_THREE, datetime(2024, 5, 1, 0, 0, tzinfo=UTC))  # this month
    close_all(["0.1", "0.2"], datetime(2024, 4, 30, 23, 59, tzinfo=UTC))  # last month
    close_all(["0.3"], datetime(2024, 5, 15, 12, 1, tzinfo=UTC))  # after now

    summary = async_to_sync(selectors.dashboard_summary)(initial_capital=CAPITAL, now=now)

    assert (summary.today_pnl, summary.week_pnl, summary.month_pnl) == (
        Decimal("-3704.02"),
        Decimal("-7408.34"),
        Decimal("-11112.36"),
    )
    assert summary.portfolio.total_pnl == Decimal("-11112.36") + Decimal("0.6")


@pytest.mark.django_db
def test_sums_beyond_28_significant_digits_do_not_fail(api_client):
    # pnl has 28 whole digits; five of them sum to 4.5e27 (32 digits with the 4 places),
    # more than the default decimal context holds. Prices and quantities have 12.
    for _ in range(5):
        make_trade(
            status=TradeStatus.CLOSED,
            pnl=Decimal("900000000000000000000000000"),
            exit_price=100,
            exit_date=ENTRY + timedelta(days=1),
        )
    for _ in range(2):
        make_trade(quantity="999999999999", entry_price="999999999999")

    for path in (
        "/api/trades/metrics/portfolio",
        "/api/trades/metrics/dashboard",
        "/api/trades/metrics/by-ticker",
    ):
        response = api_client.get(path)

        assert response.status_code == 200, path
    body = api_client.get("/api/trades/metrics/portfolio").json()
    assert body["total_pnl"] == pytest.approx(4.5e27, rel=1e-12)
    assert body["invested_value"] == pytest.approx(2 * 999999999999.0**2, rel=1e-12)
    assert Trade.objects.count() == 7
