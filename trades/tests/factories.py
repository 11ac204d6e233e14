"""Test data builders for trades (plain functions; no fixture files)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from trades.models import Trade, TradeStatus
from trades.services import refresh_pnl

_sequence = itertools.count(1)

ENTRY = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)


def trade_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/trades body."""
    payload: dict[str, Any] = {
        "ticker": "AAPL",
        "direction": "BUY",
        "quantity": 10,
        "entry_price": 100,
        "entry_date": "2024-01-15T14:30:00Z",
    }
    payload.update(overrides)
    return payload


def make_trade(**overrides: Any) -> Trade:
    """Insert a trade directly; CLOSED trades get their P&L computed like the services do."""
    fields: dict[str, Any] = {
        "trade_id": f"T-{next(_sequence):06d}",
        "ticker": "AAPL",
        "direction": "BUY",
        "quantity": Decimal(10),
        "entry_price": Decimal(100),
        "entry_date": ENTRY,
        "commission": Decimal(3),
        "status": TradeStatus.OPEN,
    }
    fields.update(overrides)
    for name in ("quantity", "entry_price", "exit_price", "commission"):
        if fields.get(name) is not None:
            fields[name] = Decimal(str(fields[name]))
    trade = Trade(**fields)
    if "pnl" not in overrides:
        refresh_pnl(trade=trade)
    trade.save()
    return trade


def make_closed_trade(*, exit_price: Any, exit_date: datetime, **overrides: Any) -> Trade:
    return make_trade(
        status=TradeStatus.CLOSED, exit_price=exit_price, exit_date=exit_date, **overrides
    )


def snapshot(trade: Trade) -> dict[str, Any]:
    """Every column of a trade, to assert that a rejected request changed nothing."""
    trade.refresh_from_db()
    return {field.name: getattr(trade, field.name) for field in Trade._meta.concrete_fields}


def table_state() -> list[dict[str, Any]]:
    return [dict(row) for row in Trade.objects.order_by("id").values()]
