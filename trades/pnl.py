"""Realised profit and loss of one trade (contract §3.4), in exact decimal arithmetic."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import NamedTuple

from trades.models import MONEY_PLACES, Direction

_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)
# Wide enough that price * quantity products are never rounded before the final quantize.
_PRECISION = 80


class Pnl(NamedTuple):
    pnl: Decimal
    pnl_percent: Decimal | None


def realised_pnl(
    *,
    direction: str,
    quantity: Decimal,
    entry_price: Decimal,
    exit_price: Decimal,
    commission: Decimal,
) -> Pnl:
    """P&L net of commission, and that P&L as a percentage of the entry notional.

    BUY:  pnl = (exit - entry) * quantity - commission
    SELL: pnl = (entry - exit) * quantity - commission
    pnl_percent = pnl / (entry * quantity) * 100, so it is net of commission too
    (BUY 10 @ 100 -> 120 with commission 3 gives 197 and 19.7).
    Both are rounded half-even to the stored 4 decimal places; the percentage is computed
    from the unrounded pnl. A zero notional (impossible through the API) gives no percentage.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        move = exit_price - entry_price if direction == Direction.BUY else entry_price - exit_price
        pnl = move * quantity - commission
        notional = entry_price * quantity
        percent = pnl / notional * 100 if notional else None
        return Pnl(
            pnl=pnl.quantize(_QUANTUM),
            pnl_percent=percent.quantize(_QUANTUM) if percent is not None else None,
        )
