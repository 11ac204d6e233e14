"""Old rows to model field values: each cell parsed by the rules in :mod:`trades.legacy_import`.

A row that breaks a rule raises :class:`InvalidRow` with the reason the report shows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models

from trades.models import (
    DEFAULT_COMMISSION,
    DEFAULT_CURRENCY,
    DEFAULT_STRATEGY,
    Direction,
    PortfolioSnapshot,
    Trade,
    TradeStatus,
)
from trades.services import refresh_pnl


class InvalidRow(ValueError):
    """One source row breaks a rule; the message is the reason shown in the report."""


# --- cells ---------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(row: Mapping[str, Any], name: str) -> Any:
    value = row.get(name)
    if _blank(value):
        raise InvalidRow(f"{name} is missing")
    return value


def _text(value: Any, name: str, *, max_length: int) -> str:
    text = str(value).strip()
    if len(text) > max_length:
        raise InvalidRow(f"{name} is longer than {max_length} characters")
    return text


def _optional_text(row: Mapping[str, Any], name: str, *, max_length: int) -> str | None:
    value = row.get(name)
    return None if _blank(value) else _text(value, name, max_length=max_length)


def _enum(value: Any, name: str, choices: type[models.TextChoices]) -> str:
    # 'TradeStatus.OPEN' (an enum's str()) and 'open' both mean OPEN.
    normalised = str(value).strip().rsplit(".", 1)[-1].upper()
    if normalised not in choices.values:
        allowed = ", ".join(choices.values)
        raise InvalidRow(f"{name} {value!r} is not one of {allowed}")
    return normalised


def _digits(model: type[models.Model], field_name: str) -> tuple[int, int]:
    """``(max_digits, decimal_places)`` of a model's DecimalField."""
    model_field = model._meta.get_field(field_name)
    if not isinstance(model_field, models.DecimalField):
        raise TypeError(f"{model.__name__}.{field_name} is not a DecimalField")
    return int(model_field.max_digits or 0), int(model_field.decimal_places or 0)


def _decimal(
    value: Any,
    name: str,
    *,
    model: type[models.Model] = Trade,
    positive: bool = False,
    non_negative: bool = False,
) -> Decimal:
    """``value`` as a Decimal rounded to the column ``name``'s places, checked for range."""
    if isinstance(value, bool):
        raise InvalidRow(f"{name} is not a number ({value!r})")
    try:
        # str() first: a float's shortest repr (0.1), not its binary expansion.
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidRow(f"{name} is not a number ({value!r})") from None
    if not number.is_finite():
        raise InvalidRow(f"{name} is not a finite number ({value!r})")
    if positive and number <= 0:
        raise InvalidRow(f"{name} must be greater than 0 (got {value})")
    if non_negative and number < 0:
        raise InvalidRow(f"{name} must not be negative (got {value})")
    max_digits, places = _digits(model, name)
    rounded = number.quantize(Decimal(1).scaleb(-places))
    if len(rounded.as_tuple().digits) > max_digits:
        raise InvalidRow(f"{name} is too large ({value})")
    return rounded


def _float(row: Mapping[str, Any], name: str) -> float | None:
    value: Any = row.get(name)
    if _blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidRow(f"{name} is not a number ({value!r})") from None
    # NaN/inf were the old app's "no value"; the API sends them as null anyway.
    return number if math.isfinite(number) else None


def parse_legacy_datetime(value: Any) -> datetime:
    """An aware UTC datetime from the old app's text (naive means UTC) or Unix seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)  # ValueError when unparsable
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _datetime(value: Any, name: str) -> datetime:
    try:
        return parse_legacy_datetime(value)
    except (ValueError, OverflowError, OSError):
        raise InvalidRow(f"{name} is not a valid datetime ({value!r})") from None


def _optional_datetime(row: Mapping[str, Any], name: str) -> datetime | None:
    value = row.get(name)
    return None if _blank(value) else _datetime(value, name)


# --- trades --------------------------------------------------------------------------------


def trade_values(row: Mapping[str, Any], *, warnings: list[str]) -> dict[str, Any]:
    """The model field values for one old ``trades`` row; raises :class:`InvalidRow`."""
    trade_id = _text(_required(row, "trade_id"), "trade_id", max_length=50)
    ticker = _text(_required(row, "ticker"), "ticker", max_length=20).upper()
    direction = _enum(_required(row, "direction"), "direction", Direction)
    status = _enum(_required(row, "status"), "status", TradeStatus)
    quantity = _decimal(_required(row, "quantity"), "quantity", positive=True)
    entry_price = _decimal(_required(row, "entry_price"), "entry_price", positive=True)
    raw_exit_price = row.get("exit_price")
    exit_price = (
        None if _blank(raw_exit_price) else _decimal(raw_exit_price, "exit_price", positive=True)
    )
    raw_commission = row.get("commission")
    commission = (
        DEFAULT_COMMISSION
        if _blank(raw_commission)
        else _decimal(raw_commission, "commission", non_negative=True)
    )
    entry_date = _datetime(_required(row, "entry_date"), "entry_date")
    exit_date = _optional_datetime(row, "exit_date")
    created_at = _optional_datetime(row, "created_at")
    updated_at = _optional_datetime(row, "updated_at")

    currency = (_optional_text(row, "currency", max_length=3) or DEFAULT_CURRENCY).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidRow(f"currency {currency!r} is not a 3-letter code")
    signal_score = _float(row, "signal_score")
    if signal_score is not None and not 0 <= signal_score <= 1:
        raise InvalidRow(f"signal_score must be between 0 and 1 (got {signal_score})")

    if status == TradeStatus.CLOSED:
        if exit_price is None:
            raise InvalidRow("status is CLOSED but exit_price is missing")
        if exit_date is None:
            if updated_at is None:
                raise InvalidRow("status is CLOSED but exit_date and updated_at are missing")
            exit_date = updated_at
            warnings.append("exit_date was missing; used updated_at")
    if exit_date is not None and exit_date < entry_date:
        raise InvalidRow("exit_date is before entry_date")

    created_at = created_at or updated_at or entry_date
    updated_at = updated_at or created_at
    values: dict[str, Any] = {
        "trade_id": trade_id,
        "ticker": ticker,
        "asset_name": _optional_text(row, "asset_name", max_length=100),
        "asset_class": _optional_text(row, "asset_class", max_length=50),
        "direction": direction,
        "quantity": quantity,
        "entry_price": entry_price,
        "entry_date": entry_date,
        "exit_price": exit_price,
        "exit_date": exit_date,
        "commission": commission,
        "currency": currency,
        "strategy_name": (_optional_text(row, "strategy_name", max_length=100) or DEFAULT_STRATEGY),
        "signal_score": signal_score,
        "notes": None if row.get("notes") is None else str(row["notes"]),
        "status": status,
        "created_at": created_at,
        "updated_at": updated_at,
        "knowledge_timestamp": updated_at,
        "event_timestamp": exit_date if status == TradeStatus.CLOSED and exit_date else entry_date,
    }
    # The old stored pnl is ignored: the services' rule recomputes it from the fields.
    candidate = Trade(**values)
    refresh_pnl(trade=candidate)
    values["pnl"], values["pnl_percent"] = candidate.pnl, candidate.pnl_percent
    return values


# --- snapshots -----------------------------------------------------------------------------


def snapshot_values(row: Mapping[str, Any], *, warnings: list[str]) -> dict[str, Any]:
    """The model field values for one old ``portfolio_snapshots`` row."""
    timestamp = _datetime(_required(row, "timestamp"), "timestamp")
    money = {
        name: _decimal(_required(row, name), name, model=PortfolioSnapshot)
        for name in ("total_value", "cash_balance", "invested_value")
    }
    raw_count = row.get("num_positions")
    num_positions = 0
    if not _blank(raw_count):
        try:
            num_positions = int(str(raw_count).strip())
        except ValueError:
            raise InvalidRow(f"num_positions is not an integer ({raw_count!r})") from None
        if num_positions < 0:
            raise InvalidRow(f"num_positions must not be negative (got {raw_count})")
    raw_positions: Any = row.get("positions")
    positions: Any = []
    if not _blank(raw_positions):
        try:
            positions = json.loads(raw_positions)
        except (TypeError, ValueError):
            raise InvalidRow("positions is not valid JSON") from None
    return {
        "timestamp": timestamp,
        **money,
        **{
            name: _float(row, name)
            for name in (
                "daily_return",
                "total_return",
                "volatility",
                "sharpe_ratio",
                "max_drawdown",
            )
        },
        "num_positions": num_positions,
        "positions": positions,
        "knowledge_timestamp": timestamp,
        "event_timestamp": timestamp,
    }
