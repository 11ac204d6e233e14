"""Writes to the trade journal: create, update, close, delete, and trade-id generation.

These are synchronous because they need ``transaction.atomic`` and row locks, which Django
only offers on the sync ORM; async views call them through ``sync_to_async``. The admin and
the legacy import call them directly, so every path keeps the same rules:

- P&L is recomputed on every write (it depends on status, prices, quantity and commission);
- moving to CLOSED needs an exit price, defaults the exit date to now and refuses an exit
  before the entry; moving back to OPEN clears the exit and the P&L;
- trade ids are unique, including under a race on the unique index.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TypedDict

from django.db import IntegrityError, transaction
from django.utils import timezone

from trades.errors import DuplicateTradeId, InvalidTradeChange, TradeNotFound, TradeNotOpen
from trades.models import (
    DEFAULT_COMMISSION,
    DEFAULT_CURRENCY,
    DEFAULT_STRATEGY,
    Trade,
    TradeIdCounter,
    TradeStatus,
)
from trades.pnl import realised_pnl

DEFAULT_TRADE_ID_PREFIX = "TRD"


class TradeChanges(TypedDict, total=False):
    """Fields a caller may change on a trade; an absent key means "leave as is"."""

    ticker: str
    asset_name: str | None
    asset_class: str | None
    direction: str
    quantity: Decimal
    entry_price: Decimal
    entry_date: datetime
    exit_price: Decimal | None
    exit_date: datetime | None
    commission: Decimal
    currency: str
    strategy_name: str
    signal_score: float | None
    notes: str | None
    status: str


def generate_trade_id(*, prefix: str = DEFAULT_TRADE_ID_PREFIX, at: datetime | None = None) -> str:
    """Next ``<prefix>-<YYYYMMDD UTC>-<seq>`` id, with seq of at least 4 digits.

    The per-(prefix, day) counter row is locked and incremented inside a transaction, so two
    callers never get the same number, and numbers are never handed out twice (deleting a
    trade does not free its id). Ids already taken by existing trades (imported or typed
    by hand) are skipped.
    """
    day = (at or timezone.now()).astimezone(UTC).date()
    stem = f"{prefix}-{day:%Y%m%d}-"
    with transaction.atomic():
        counter, _ = TradeIdCounter.objects.select_for_update().get_or_create(
            prefix=prefix, day=day
        )
        taken = set(
            Trade.objects.filter(trade_id__startswith=stem).values_list("trade_id", flat=True)
        )
        while True:
            counter.last_value += 1
            candidate = f"{stem}{counter.last_value:04d}"
            if candidate not in taken:
                break
        counter.save(update_fields=["last_value"])
    return candidate


def refresh_pnl(*, trade: Trade) -> None:
    """Set ``pnl``/``pnl_percent`` from the trade's current fields (does not save).

    Only a CLOSED trade with an exit price has a P&L; anything else has none.
    """
    if trade.status == TradeStatus.CLOSED and trade.exit_price is not None:
        trade.pnl, trade.pnl_percent = realised_pnl(
            direction=trade.direction,
            quantity=Decimal(trade.quantity),
            entry_price=Decimal(trade.entry_price),
            exit_price=Decimal(trade.exit_price),
            commission=Decimal(trade.commission),
        )
    else:
        trade.pnl = None
        trade.pnl_percent = None


def _stamp(trade: Trade, *, now: datetime) -> None:
    # Bi-temporal bookkeeping: when we learned of this state, and when it happened.
    trade.knowledge_timestamp = now
    if trade.status == TradeStatus.CLOSED and trade.exit_date is not None:
        trade.event_timestamp = trade.exit_date
    else:
        trade.event_timestamp = trade.entry_date


def _check_closing_rules(trade: Trade, *, now: datetime) -> None:
    if trade.status == TradeStatus.CLOSED:
        if trade.exit_price is None:
            raise InvalidTradeChange("exit_price", "An exit_price is required to close a trade.")
        if trade.exit_date is None:
            trade.exit_date = now
    if trade.exit_date is not None and trade.exit_date < trade.entry_date:
        raise InvalidTradeChange("exit_date", "exit_date must not be earlier than entry_date.")


def create_trade(
    *,
    ticker: str,
    direction: str,
    quantity: Decimal,
    entry_price: Decimal,
    entry_date: datetime,
    trade_id: str | None = None,
    asset_name: str | None = None,
    asset_class: str | None = None,
    commission: Decimal = DEFAULT_COMMISSION,
    currency: str = DEFAULT_CURRENCY,
    strategy_name: str = DEFAULT_STRATEGY,
    signal_score: float | None = None,
    notes: str | None = None,
    status: str = TradeStatus.OPEN,
    exit_price: Decimal | None = None,
    exit_date: datetime | None = None,
    at: datetime | None = None,
) -> Trade:
    """Record a trade; without ``trade_id`` one is generated with the ``TRD`` prefix.

    The API always creates OPEN trades; ``status``/``exit_*`` exist for imports of
    historical trades and follow the same closing rules as an update.
    """
    now = at or timezone.now()
    trade = Trade(
        trade_id=trade_id or "",
        ticker=ticker,
        asset_name=asset_name,
        asset_class=asset_class,
        direction=direction,
        quantity=quantity,
        entry_price=entry_price,
        entry_date=entry_date,
        exit_price=exit_price,
        exit_date=exit_date,
        commission=commission,
        currency=currency,
        strategy_name=strategy_name,
        signal_score=signal_score,
        notes=notes,
        status=status,
    )
    _check_closing_rules(trade, now=now)
    refresh_pnl(trade=trade)
    _stamp(trade, now=now)
    try:
        with transaction.atomic():
            if trade_id is None:
                trade.trade_id = generate_trade_id(at=now)
            elif Trade.objects.filter(trade_id=trade_id).exists():
                raise DuplicateTradeId(trade_id)
            trade.save(force_insert=True)
    except IntegrityError:
        # Another request inserted the same trade_id between our check and our insert.
        if Trade.objects.filter(trade_id=trade.trade_id).exists():
            raise DuplicateTradeId(trade.trade_id) from None
        raise
    return trade


def _locked(trade_pk: int) -> Trade:
    try:
        return Trade.objects.select_for_update().get(pk=trade_pk)
    except Trade.DoesNotExist:
        raise TradeNotFound(trade_pk) from None


def update_trade(*, trade: Trade, changes: TradeChanges, at: datetime | None = None) -> Trade:
    """Apply ``changes`` to a trade and return the saved row; no changes is a no-op.

    Reopening (to OPEN from another status) clears the exit fields unless the same change
    sets them. Moving to CLOSED needs an exit price (from the change or already stored) and
    defaults the exit date to now. The exit date may never precede the entry date.
    """
    if not changes:
        return trade
    now = at or timezone.now()
    with transaction.atomic():
        locked = _locked(trade.pk)
        previous_status = locked.status
        for field, value in changes.items():
            setattr(locked, field, value)
        if locked.status == TradeStatus.OPEN and previous_status != TradeStatus.OPEN:
            if "exit_price" not in changes:
                locked.exit_price = None
            if "exit_date" not in changes:
                locked.exit_date = None
        if changes.keys() & {"status", "exit_price", "exit_date", "entry_date"}:
            _check_closing_rules(locked, now=now)
        refresh_pnl(trade=locked)
        _stamp(locked, now=now)
        locked.save()
    return locked


def close_trade(*, trade: Trade, exit_price: Decimal, exit_date: datetime | None = None) -> Trade:
    """Close an OPEN trade at ``exit_price`` (``exit_date`` defaults to now).

    Closing a CLOSED or CANCELLED trade is a state conflict (409), not a "not found".
    """
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(trade.pk)
        if locked.status != TradeStatus.OPEN:
            raise TradeNotOpen(locked.pk, locked.status)
        locked.status = TradeStatus.CLOSED
        locked.exit_price = exit_price
        locked.exit_date = exit_date or now
        _check_closing_rules(locked, now=now)
        refresh_pnl(trade=locked)
        _stamp(locked, now=now)
        locked.save()
    return locked


def delete_trade(*, trade: Trade) -> None:
    deleted, _ = Trade.objects.filter(pk=trade.pk).delete()
    if not deleted:
        raise TradeNotFound(trade.pk)
