"""GET /api/trades/metrics/by-ticker aggregated in the database (contract §3.4).

The contract tests in ``test_metrics.py`` pin the response; these check the GROUP BY query
against hand-computed figures and against the pure-Python statistics over the same rows,
the holding periods to the microsecond, the order of the tickers, and that it stays one
query whatever the size of the journal. They run on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from trades import aggregates, selectors
from trades.metrics import average_holding_days, mean_holding_days, trade_statistics
from trades.models import Trade, TradeStatus
from trades.tests.factories import ENTRY, make_trade

URL = "/api/trades/metrics/by-ticker"


def closed(ticker: str, pnl: str | None, held: timedelta | None) -> Trade:
    """A CLOSED trade with the given pnl, exiting ``held`` after ENTRY (None: no exit date)."""
    return make_trade(
        ticker=ticker,
        status=TradeStatus.CLOSED,
        pnl=None if pnl is None else Decimal(pnl),
        exit_price=100,
        exit_date=None if held is None else ENTRY + held,
    )


def test_average_holding_days_from_a_total():
    assert average_holding_days(total=timedelta(hours=36), count=2) == 0.75
    assert average_holding_days(total=timedelta(hours=8), count=1) == 0.33
    assert average_holding_days(total=None, count=0) is None
    assert average_holding_days(total=timedelta(0), count=0) is None


@pytest.mark.django_db
def test_elapsed_is_exact_to_the_microsecond():
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    pairs = [
        ("2024-01-15 10:00:00", "2024-01-15 10:00:00.999999"),  # SQLite rounds %f to ms
        ("2024-01-15 10:00:00.999999", "2024-01-15 10:00:01"),
        ("2024-02-28 23:59:59.999600", "2024-03-01 00:00:00.000400"),  # over a leap day
        ("2023-12-31 23:59:59.999999", "2024-01-01 00:00:00"),
        ("2024-01-15 10:00:00.000001", "2024-01-15 10:00:00.000001"),
        ("2024-06-01 12:00:00.5", "2024-05-31 12:00:00.25"),  # exits before it entered
        ("2020-01-01 00:00:00", "2024-12-31 23:59:59.123456"),
    ]
    expected: dict[str, timedelta | None] = {}
    for entry, exit_ in pairs:
        trade = closed("AAPL", "1", None)
        trade.entry_date, trade.exit_date = at(entry), at(exit_)
        trade.save()
        expected[trade.trade_id] = at(exit_) - at(entry)
    expected[closed("AAPL", "1", None).trade_id] = None

    rows = Trade.objects.annotate(held=aggregates.Elapsed("exit_date", "entry_date"))

    assert dict(rows.values_list("trade_id", "held")) == expected
    total = Trade.objects.aggregate(total=Sum(aggregates.Elapsed("exit_date", "entry_date")))
    assert total["total"] == sum((d for d in expected.values() if d is not None), timedelta())


@pytest.mark.django_db
def test_by_ticker_matches_a_hand_computed_journal(api_client):
    day, hour = timedelta(days=1), timedelta(hours=1)
    # AAPL: +150.25, -40.125, 0, -10.125 and one legacy row without a pnl; exits after
    # 48 h, 36 h, 12 h, 24 h and 30 h.
    # total = 100; 1 win in 4 realised (zero is not a loss) = 25 %; avg = 100 / 4 = 25;
    # holding = (48 + 36 + 12 + 24 + 30) / 5 = 30 h = 1.25 days.
    closed("AAPL", "150.2500", 2 * day)
    closed("AAPL", "-40.1250", day + 12 * hour)
    closed("AAPL", "0", 12 * hour)
    closed("AAPL", "-10.1250", day)
    closed("AAPL", None, day + 6 * hour)
    # MSFT: -20.5, 0, +4.5, +0.5; the last two without an exit date.
    # total = -15.5; 2 wins in 4 = 50 %; avg = -3.875; holding = (6 + 18) / 2 h = 0.5 days.
    closed("MSFT", "-20.5000", 6 * hour)
    closed("MSFT", "0", 18 * hour)
    closed("MSFT", "4.5000", None)
    closed("MSFT", "0.5000", None)
    # BHP.AX: a single zero pnl over 8 h: no win, no loss; win rate 0 (not null); 0.33 days.
    closed("BHP.AX", "0.0000", 8 * hour)
    # NVDA: two wins, 33.3333 + 66.6667 = 100 exactly; (10 + 20) / 2 days (+ 0.5 µs) = 15.
    closed("NVDA", "33.3333", 10 * day)
    closed("NVDA", "66.6667", 20 * day + timedelta(microseconds=1))
    # ZZZ: closed without a pnl or an exit date: counted, nothing to average.
    closed("ZZZ", None, None)
    # Not CLOSED, so ignored, even with a pnl and an exit date.
    make_trade(ticker="AAPL", pnl=Decimal(1000), exit_date=ENTRY + 90 * day)
    make_trade(
        ticker="MSFT", status=TradeStatus.CANCELLED, pnl=Decimal(-999), exit_date=ENTRY + day
    )
    make_trade(ticker="TSLA")
    make_trade(ticker="AMZN", status=TradeStatus.CANCELLED, pnl=Decimal(5))

    rows = async_to_sync(selectors.ticker_statistics)()

    assert rows == [
        selectors.TickerStatistics("AAPL", 5, Decimal(100), Decimal(25), 25.0, 1.25),
        selectors.TickerStatistics("BHP.AX", 1, Decimal(0), Decimal(0), 0.0, 0.33),
        selectors.TickerStatistics("MSFT", 4, Decimal("-15.5"), Decimal("-3.875"), 50.0, 0.5),
        selectors.TickerStatistics("NVDA", 2, Decimal(100), Decimal(50), 100.0, 15.0),
        selectors.TickerStatistics("ZZZ", 1, Decimal(0), None, None, None),
    ]
    response = api_client.get(URL)
    assert response.status_code == 200
    assert response.json() == [
        {
            "ticker": "AAPL",
            "total_trades": 5,
            "total_pnl": 100.0,
            "avg_pnl": 25.0,
            "win_rate": 25.0,
            "avg_holding_days": 1.25,
        },
        {
            "ticker": "BHP.AX",
            "total_trades": 1,
            "total_pnl": 0.0,
            "avg_pnl": 0.0,
            "win_rate": 0.0,
            "avg_holding_days": 0.33,
        },
        {
            "ticker": "MSFT",
            "total_trades": 4,
            "total_pnl": -15.5,
            "avg_pnl": -3.875,
            "win_rate": 50.0,
            "avg_holding_days": 0.5,
        },
        {
            "ticker": "NVDA",
            "total_trades": 2,
            "total_pnl": 100.0,
            "avg_pnl": 50.0,
            "win_rate": 100.0,
            "avg_holding_days": 15.0,
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


def python_reference() -> list[selectors.TickerStatistics]:
    """The figures from every CLOSED row, computed in Python with the pure functions."""
    pnls: dict[str, list[Decimal]] = {}
    held: dict[str, list[timedelta]] = {}
    counts: dict[str, int] = {}
    rows = Trade.objects.filter(status=TradeStatus.CLOSED).values_list(
        "ticker", "pnl", "entry_date", "exit_date"
    )
    for ticker, pnl, entry_date, exit_date in rows:
        counts[ticker] = counts.get(ticker, 0) + 1
        pnls.setdefault(ticker, [])
        held.setdefault(ticker, [])
        if pnl is not None:
            pnls[ticker].append(pnl)
        if exit_date is not None:
            held[ticker].append(exit_date - entry_date)
    result = []
    for ticker in sorted(counts):
        stats = trade_statistics(pnls[ticker])
        result.append(
            selectors.TickerStatistics(
                ticker=ticker,
                total_trades=counts[ticker],
                total_pnl=stats.total_pnl,
                avg_pnl=stats.avg_pnl_per_trade,
                win_rate=stats.win_rate,
                avg_holding_days=mean_holding_days(held[ticker]),
            )
        )
    return result


@pytest.mark.django_db
def test_by_ticker_matches_the_python_figures_over_a_random_journal():
    rng = random.Random(20240115)
    statuses = [TradeStatus.CLOSED] * 6 + [TradeStatus.OPEN, TradeStatus.CANCELLED]
    for _ in range(150):
        status = rng.choice(statuses)
        draw = rng.random()
        # Amounts up to 10 million at 4 dp: a floating-point SUM would show in the totals.
        pnl = (
            None
            if draw < 0.1
            else Decimal(0)
            if draw < 0.25
            else Decimal(rng.randint(-(10**11), 10**11)).scaleb(-4)
        )
        held = timedelta(seconds=rng.randint(0, 200 * 86_400), microseconds=rng.randint(0, 999_999))
        make_trade(
            ticker=rng.choice(["AAPL", "MSFT", "BHP.AX", "CBA.AX", "NVDA", "brk.b"]),
            status=status,
            pnl=pnl,
            entry_date=ENTRY + timedelta(minutes=rng.randint(0, 10_000)),
            exit_date=None if rng.random() < 0.1 else ENTRY + timedelta(days=8) + held,
        )

    expected = python_reference()
    assert len(expected) == 6
    assert async_to_sync(selectors.ticker_statistics)() == expected


@pytest.mark.django_db
def test_by_ticker_orders_by_code_point_whatever_the_database_collation(api_client):
    for ticker in ["bhp", "BHPA", "BHP.AX", "BHP"]:
        closed(ticker, "1", timedelta(days=1))

    tickers = [row["ticker"] for row in api_client.get(URL).json()]

    assert tickers == ["BHP", "BHP.AX", "BHPA", "bhp"]


@pytest.mark.django_db
def test_by_ticker_is_one_query_for_any_journal_size(api_client):
    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(URL)
        assert response.status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    closed("AAPL", "1", timedelta(days=1))
    small = queries()
    for n in range(40):
        closed(f"T{n % 7}", str(n - 20), timedelta(hours=n))
        make_trade(ticker=f"T{n % 5}")
    large = queries()

    assert len(small) == len(large) == 1
    assert "GROUP BY" in large[0]
