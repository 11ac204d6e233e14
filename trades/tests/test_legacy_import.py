"""``manage.py import_legacy_sqlite``: the old app's SQLite journal into Parakeet."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from trades.legacy_import import parse_legacy_datetime
from trades.models import PortfolioSnapshot, Trade

pytestmark = pytest.mark.django_db

# The old SQLAlchemy schema (backend/models), as the old app created it.
LEGACY_SCHEMA = """
CREATE TABLE trades (
    id INTEGER PRIMARY KEY,
    trade_id VARCHAR(50),
    ticker VARCHAR(20),
    asset_name VARCHAR(100),
    asset_class VARCHAR(50),
    direction VARCHAR(4),
    quantity FLOAT,
    entry_price FLOAT,
    entry_date DATETIME,
    exit_price FLOAT,
    exit_date DATETIME,
    commission FLOAT,
    currency VARCHAR(3),
    strategy_name VARCHAR(100),
    signal_score FLOAT,
    notes TEXT,
    pnl FLOAT,
    pnl_percent FLOAT,
    status VARCHAR(9),
    created_at DATETIME,
    updated_at DATETIME
);
CREATE TABLE portfolio_snapshots (
    id INTEGER PRIMARY KEY,
    timestamp DATETIME,
    total_value FLOAT,
    cash_balance FLOAT,
    invested_value FLOAT,
    daily_return FLOAT,
    total_return FLOAT,
    volatility FLOAT,
    sharpe_ratio FLOAT,
    max_drawdown FLOAT,
    num_positions INTEGER,
    positions TEXT
);
"""

TRADE_COLUMNS = [
    "id",
    "trade_id",
    "ticker",
    "asset_name",
    "asset_class",
    "direction",
    "quantity",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "commission",
    "currency",
    "strategy_name",
    "signal_score",
    "notes",
    "pnl",
    "pnl_percent",
    "status",
    "created_at",
    "updated_at",
]


def legacy_trade(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 1,
        "trade_id": "TRD-20240102-0001",
        "ticker": "AAPL",
        "asset_name": "Apple Inc.",
        "asset_class": "equity",
        "direction": "BUY",
        "quantity": 10.0,
        "entry_price": 100.0,
        "entry_date": "2024-01-02 10:30:00",
        "exit_price": None,
        "exit_date": None,
        "commission": 3.0,
        "currency": "USD",
        "strategy_name": "momentum",
        "signal_score": 0.8,
        "notes": "first",
        "pnl": None,
        "pnl_percent": None,
        "status": "OPEN",
        "created_at": "2024-01-02 10:31:00",
        "updated_at": "2024-01-02 10:31:00",
    }
    row.update(overrides)
    return row


# Rows 1-4 are good; 5-10 are each broken in one way.
GOOD_TRADES = [
    # Closed BUY whose stored pnl is wrong (gross of commission): it must be recomputed.
    legacy_trade(
        id=1,
        exit_price=120.0,
        exit_date="2024-02-01T15:00:00.123456",
        pnl=200.0,
        pnl_percent=20.0,
        status="CLOSED",
        updated_at="2024-02-01 15:00:01",
    ),
    # Open SELL with lower-case enums and a ticker to normalise.
    legacy_trade(
        id=2,
        trade_id="TRD-20240103-0001",
        ticker=" bhp.ax ",
        direction="sell",
        quantity=100,
        entry_price="45.5",
        entry_date="2024-01-03T00:15:00",
        currency="aud",
        status="open",
        commission=None,
        strategy_name=None,
        signal_score=None,
        asset_name=None,
        asset_class=None,
        notes=None,
    ),
    # Enum-style status, closed by the old PATCH that left exit_date NULL.
    legacy_trade(
        id=3,
        trade_id="TRD-20240104-0001",
        direction="Direction.SELL",
        quantity=1,
        entry_price=10.0,
        entry_date="2024-01-04",
        exit_price=12.0,
        status="TradeStatus.CLOSED",
        created_at="2024-01-04 09:00:00",
        updated_at="2024-01-20 16:45:00",
    ),
    # Cancelled, with a stale pnl that must be dropped.
    legacy_trade(
        id=4,
        trade_id="TRD-20240105-0001",
        status="CANCELLED",
        pnl=-50.0,
        pnl_percent=-5.0,
        entry_date="2024-01-05 11:00:00+10:00",
    ),
]
BAD_TRADES = [
    legacy_trade(id=5, trade_id="TRD-BAD-1", ticker="   "),
    legacy_trade(id=6, trade_id="TRD-BAD-2", direction="HOLD"),
    legacy_trade(id=7, trade_id="TRD-BAD-3", quantity=-5.0),
    legacy_trade(id=8, trade_id="TRD-BAD-4", entry_date="yesterday"),
    legacy_trade(id=9, trade_id=None),
    legacy_trade(id=10, trade_id="TRD-20240102-0001", ticker="MSFT"),
]
SNAPSHOTS = [
    {
        "id": 1,
        "timestamp": "2024-02-01 21:00:00",
        "total_value": 100197.0,
        "cash_balance": 99197.5,
        "invested_value": 999.5,
        "daily_return": 0.12,
        "total_return": 0.197,
        "volatility": None,
        "sharpe_ratio": float("nan"),
        "max_drawdown": -1.5,
        "num_positions": 1,
        "positions": json.dumps([{"ticker": "BHP.AX", "quantity": 100}]),
    },
    {
        "id": 2,
        "timestamp": "2024-02-02T21:00:00",
        "total_value": 100200.0,
        "cash_balance": 100200.0,
        "invested_value": 0,
        "daily_return": None,
        "total_return": None,
        "volatility": None,
        "sharpe_ratio": None,
        "max_drawdown": None,
        "num_positions": 0,
        "positions": None,
    },
    {
        "id": 3,
        "timestamp": "2024-02-03 21:00:00",
        "total_value": 1.0,
        "cash_balance": 1.0,
        "invested_value": 0,
        "daily_return": None,
        "total_return": None,
        "volatility": None,
        "sharpe_ratio": None,
        "max_drawdown": None,
        "num_positions": 0,
        "positions": "{not json",
    },
]


@dataclass
class Result:
    out: str
    err: str


def write_legacy(path: Path, trades: list[dict[str, Any]], snapshots: list[dict[str, Any]]) -> Path:
    with sqlite3.connect(path) as connection:
        connection.executescript(LEGACY_SCHEMA)
        connection.executemany(
            f"INSERT INTO trades ({', '.join(TRADE_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in TRADE_COLUMNS)})",
            [tuple(row[c] for c in TRADE_COLUMNS) for row in trades],
        )
        if snapshots:
            columns = list(snapshots[0])
            connection.executemany(
                f"INSERT INTO portfolio_snapshots ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                [tuple(row[c] for c in columns) for row in snapshots],
            )
    connection.close()
    return path


@pytest.fixture
def legacy_db(tmp_path: Path) -> Path:
    return write_legacy(tmp_path / "trading.db", GOOD_TRADES + BAD_TRADES, SNAPSHOTS)


def run_import(path: Path, *args: str) -> Result:
    out, err = StringIO(), StringIO()
    call_command("import_legacy_sqlite", str(path), *args, stdout=out, stderr=err)
    return Result(out.getvalue(), err.getvalue())


def db_state() -> tuple[list[Any], list[Any]]:
    return (
        list(Trade.objects.order_by("trade_id").values()),
        list(PortfolioSnapshot.objects.order_by("timestamp").values()),
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_import_reports_counts_and_every_invalid_row_with_its_id_and_reason(legacy_db):
    result = run_import(legacy_db)

    assert "trades: 4 inserted, 0 updated, 0 skipped (unchanged), 6 invalid" in result.out
    assert "portfolio_snapshots: 2 inserted, 0 updated, 0 skipped (unchanged), 1 invalid" in (
        result.out
    )
    assert result.err.splitlines() == [
        "invalid trades row id=5: ticker is missing",
        "invalid trades row id=6: direction 'HOLD' is not one of BUY, SELL",
        "invalid trades row id=7: quantity must be greater than 0 (got -5.0)",
        "invalid trades row id=8: entry_date is not a valid datetime ('yesterday')",
        "invalid trades row id=9: trade_id is missing",
        "invalid trades row id=10: duplicate trade_id TRD-20240102-0001 (also in row id 1)",
        "invalid portfolio_snapshots row id=3: positions is not valid JSON",
    ]
    assert "note: trades row id=3: exit_date was missing; used updated_at" in result.out
    assert "Dry run" not in result.out
    assert Trade.objects.count() == 4
    assert PortfolioSnapshot.objects.count() == 2


def test_a_closed_trade_gets_the_contract_pnl_not_the_stored_one(legacy_db):
    run_import(legacy_db)

    trade = Trade.objects.get(trade_id="TRD-20240102-0001")
    assert trade.status == "CLOSED"
    assert trade.pnl == Decimal("197.0")
    assert trade.pnl_percent == Decimal("19.7")
    assert trade.exit_price == Decimal("120")
    assert trade.exit_date == datetime(2024, 2, 1, 15, 0, 0, 123456, tzinfo=UTC)
    assert trade.entry_date == utc(2024, 1, 2, 10, 30)
    assert trade.created_at == utc(2024, 1, 2, 10, 31)
    assert trade.updated_at == utc(2024, 2, 1, 15, 0, 1)
    assert trade.knowledge_timestamp == utc(2024, 2, 1, 15, 0, 1)
    assert trade.event_timestamp == trade.exit_date
    assert (trade.ticker, trade.asset_name, trade.asset_class) == ("AAPL", "Apple Inc.", "equity")
    assert (trade.currency, trade.strategy_name, trade.signal_score) == ("USD", "momentum", 0.8)
    assert trade.notes == "first"


def test_values_are_normalised_and_defaults_fill_nulls(legacy_db):
    run_import(legacy_db)

    trade = Trade.objects.get(trade_id="TRD-20240103-0001")
    assert (trade.ticker, trade.direction, trade.status) == ("BHP.AX", "SELL", "OPEN")
    assert trade.quantity == Decimal("100")
    assert trade.entry_price == Decimal("45.5")
    assert trade.entry_date == utc(2024, 1, 3, 0, 15)
    assert trade.commission == Decimal("3.0")
    assert trade.currency == "AUD"
    assert trade.strategy_name == "dual_momentum"
    assert trade.signal_score is None
    assert trade.asset_name is None
    assert trade.notes is None
    assert trade.pnl is None
    assert trade.pnl_percent is None
    assert trade.event_timestamp == trade.entry_date


def test_a_closed_trade_without_exit_date_takes_updated_at_and_a_short_is_net_of_commission(
    legacy_db,
):
    run_import(legacy_db)

    trade = Trade.objects.get(trade_id="TRD-20240104-0001")
    assert (trade.direction, trade.status) == ("SELL", "CLOSED")
    assert trade.entry_date == utc(2024, 1, 4)
    assert trade.exit_date == utc(2024, 1, 20, 16, 45)
    # SELL 1 @ 10 -> 12 with commission 3: (10 - 12) * 1 - 3 = -5, -50 %.
    assert trade.pnl == Decimal("-5")
    assert trade.pnl_percent == Decimal("-50")


def test_a_cancelled_trade_loses_its_stale_pnl_and_offsets_become_utc(legacy_db):
    run_import(legacy_db)

    trade = Trade.objects.get(trade_id="TRD-20240105-0001")
    assert trade.status == "CANCELLED"
    assert trade.pnl is None
    assert trade.pnl_percent is None
    assert trade.entry_date == utc(2024, 1, 5, 1, 0)


def test_snapshots_are_imported_with_json_positions_and_nan_as_null(legacy_db):
    run_import(legacy_db)

    first, second = PortfolioSnapshot.objects.order_by("timestamp")
    assert first.timestamp == utc(2024, 2, 1, 21)
    assert first.total_value == Decimal("100197")
    assert first.cash_balance == Decimal("99197.5")
    assert first.invested_value == Decimal("999.5")
    assert (first.daily_return, first.total_return, first.max_drawdown) == (0.12, 0.197, -1.5)
    assert first.volatility is None
    assert first.sharpe_ratio is None
    assert first.num_positions == 1
    assert first.positions == [{"ticker": "BHP.AX", "quantity": 100}]
    assert first.knowledge_timestamp == first.event_timestamp == first.timestamp
    assert second.timestamp == utc(2024, 2, 2, 21)
    assert second.positions == []
    assert second.num_positions == 0


def test_a_second_run_skips_every_row_and_changes_nothing(legacy_db):
    run_import(legacy_db)
    before = db_state()

    result = run_import(legacy_db)

    assert "trades: 0 inserted, 0 updated, 4 skipped (unchanged), 6 invalid" in result.out
    assert "portfolio_snapshots: 0 inserted, 0 updated, 2 skipped (unchanged), 1 invalid" in (
        result.out
    )
    assert db_state() == before


def test_a_changed_source_row_updates_the_trade_and_recomputes_its_pnl(tmp_path):
    first = write_legacy(tmp_path / "v1.db", GOOD_TRADES, SNAPSHOTS[:1])
    run_import(first)
    moved = [dict(GOOD_TRADES[0], exit_price=110.0, updated_at="2024-03-01 12:00:00")]
    second = write_legacy(tmp_path / "v2.db", moved + GOOD_TRADES[1:], SNAPSHOTS[:1])

    result = run_import(second)

    assert "trades: 0 inserted, 1 updated, 3 skipped (unchanged), 0 invalid" in result.out
    trade = Trade.objects.get(trade_id="TRD-20240102-0001")
    assert trade.exit_price == Decimal("110")
    assert trade.pnl == Decimal("97")
    assert trade.pnl_percent == Decimal("9.7")
    assert trade.updated_at == utc(2024, 3, 1, 12)
    assert trade.created_at == utc(2024, 1, 2, 10, 31)
    assert Trade.objects.count() == 4


def test_a_dry_run_reports_the_counts_but_writes_nothing(legacy_db):
    result = run_import(legacy_db, "--dry-run")

    assert "as a dry run" in result.out
    assert "trades: 4 inserted, 0 updated, 0 skipped (unchanged), 6 invalid" in result.out
    assert "rolled back; nothing was written" in result.out
    assert not Trade.objects.exists()
    assert not PortfolioSnapshot.objects.exists()


def test_a_dry_run_over_imported_data_leaves_it_as_it_was(legacy_db):
    run_import(legacy_db)
    Trade.objects.filter(trade_id="TRD-20240103-0001").update(quantity=Decimal("1"))
    before = db_state()

    result = run_import(legacy_db, "--dry-run")

    assert "trades: 0 inserted, 1 updated, 3 skipped (unchanged), 6 invalid" in result.out
    assert db_state() == before


def test_the_source_file_is_never_modified(legacy_db):
    digest = hashlib.sha256(legacy_db.read_bytes()).hexdigest()

    run_import(legacy_db)
    run_import(legacy_db, "--dry-run")

    assert hashlib.sha256(legacy_db.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in legacy_db.parent.iterdir()) == ["trading.db"]


def test_a_source_without_snapshots_imports_the_trades(tmp_path):
    path = tmp_path / "trades-only.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(LEGACY_SCHEMA.split("CREATE TABLE portfolio_snapshots")[0])
    connection.close()

    result = run_import(path)

    assert "trades: 0 inserted, 0 updated, 0 skipped (unchanged), 0 invalid" in result.out
    assert "portfolio_snapshots: no such table in the source; skipped." in result.out


def test_a_missing_file_is_a_clear_command_error(tmp_path):
    with pytest.raises(CommandError, match=r"Legacy SQLite file not found: .*nope\.db"):
        run_import(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def test_a_database_without_a_trades_table_is_a_clear_command_error(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE prices (ticker TEXT)")
    connection.close()

    with pytest.raises(CommandError, match="has no `trades` table"):
        run_import(path)


def test_a_file_that_is_not_sqlite_is_a_clear_command_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database " * 100)

    with pytest.raises(CommandError, match="not a readable SQLite database"):
        run_import(path)


def test_a_trades_table_missing_required_columns_is_a_clear_command_error(tmp_path):
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE trades (id INTEGER PRIMARY KEY, ticker TEXT)")
    connection.close()

    with pytest.raises(CommandError, match="lacks columns: trade_id, direction, quantity"):
        run_import(path)


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"status": "PENDING"}, "status 'PENDING' is not one of OPEN, CLOSED, CANCELLED"),
        ({"status": None}, "status is missing"),
        ({"entry_price": 0}, "entry_price must be greater than 0 (got 0.0)"),
        ({"quantity": "ten"}, "quantity is not a number ('ten')"),
        ({"commission": -1.0}, "commission must not be negative (got -1.0)"),
        ({"status": "CLOSED"}, "status is CLOSED but exit_price is missing"),
        ({"exit_date": "2023-12-31 00:00:00"}, "exit_date is before entry_date"),
        ({"signal_score": 7.5}, "signal_score must be between 0 and 1 (got 7.5)"),
        ({"currency": "AU"}, "currency 'AU' is not a 3-letter code"),
        ({"ticker": "X" * 21}, "ticker is longer than 20 characters"),
        ({"quantity": 1e15}, "quantity is too large (1000000000000000.0)"),
    ],
)
def test_rule_breaking_rows_are_reported_not_imported(tmp_path, override, reason):
    path = write_legacy(tmp_path / "one.db", [legacy_trade(id=42, **override)], [])

    result = run_import(path)

    assert result.err.splitlines() == [f"invalid trades row id=42: {reason}"]
    assert not Trade.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02 10:30:00", utc(2024, 1, 2, 10, 30)),
        ("2024-01-02T10:30:00.123456", datetime(2024, 1, 2, 10, 30, 0, 123456, tzinfo=UTC)),
        ("2024-01-02", utc(2024, 1, 2)),
        ("2024-01-02T10:30:00Z", utc(2024, 1, 2, 10, 30)),
        ("2024-01-02 20:30:00+10:00", utc(2024, 1, 2, 10, 30)),
        (1704191400, utc(2024, 1, 2, 10, 30)),
    ],
)
def test_legacy_datetimes_are_read_as_utc(text, expected):
    assert parse_legacy_datetime(text) == expected
