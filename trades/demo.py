"""The demo trade set that ``manage.py load_demo_data`` puts in a local database.

48 trades over ten instruments (six US, four ASX ``.AX``) and five strategies, BUY and SELL,
open, closed and a few cancelled, with entries spread over the 540 days before an anchor
date (today, UTC, by default). The content is a pure function of the anchor: a fixed-seed
``random.Random`` instance draws it, so the same anchor always gives the same trades.

Every demo trade is labelled: ``trade_id`` ``DEMO-0001`` ... (numbered by entry date) and
``notes == "demo"``. Loading is idempotent by ``trade_id``: a second load on the same day
changes nothing; a load on a later day moves the same 48 trades to the new anchor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from trades.models import Direction, Trade, TradeStatus
from trades.services import refresh_pnl

DEMO_NOTES = "demo"
DEMO_TRADE_ID_PREFIX = "DEMO-"
DEMO_TRADE_COUNT = 48
HISTORY_DAYS = 540
_SEED = 20_240_601
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoInstrument:
    ticker: str
    name: str
    asset_class: str
    currency: str
    price: float
    commission: Decimal


INSTRUMENTS: tuple[DemoInstrument, ...] = (
    DemoInstrument("AAPL", "Apple Inc.", "equity", "USD", 190.0, Decimal("3.00")),
    DemoInstrument("MSFT", "Microsoft Corporation", "equity", "USD", 410.0, Decimal("3.00")),
    DemoInstrument("NVDA", "NVIDIA Corporation", "equity", "USD", 120.0, Decimal("3.00")),
    DemoInstrument("SPY", "SPDR S&P 500 ETF Trust", "etf", "USD", 520.0, Decimal("3.00")),
    DemoInstrument("QQQ", "Invesco QQQ Trust", "etf", "USD", 450.0, Decimal("3.00")),
    DemoInstrument("GLD", "SPDR Gold Shares", "etf", "USD", 215.0, Decimal("3.00")),
    DemoInstrument("BHP.AX", "BHP Group Limited", "equity", "AUD", 44.0, Decimal("9.95")),
    DemoInstrument(
        "CBA.AX", "Commonwealth Bank of Australia", "equity", "AUD", 125.0, Decimal("9.95")
    ),
    DemoInstrument("CSL.AX", "CSL Limited", "equity", "AUD", 290.0, Decimal("9.95")),
    DemoInstrument(
        "VAS.AX", "Vanguard Australian Shares Index ETF", "etf", "AUD", 98.0, Decimal("9.95")
    ),
)

STRATEGIES: tuple[str, ...] = (
    "dual_momentum",
    "momentum",
    "residual_momentum",
    "mean_reversion",
    "quallamaggie",
)


@dataclass(frozen=True)
class DemoTrade:
    """The input fields of one demo trade (the P&L is derived when it is stored)."""

    trade_id: str
    ticker: str
    asset_name: str
    asset_class: str
    direction: str
    quantity: Decimal
    entry_price: Decimal
    entry_date: datetime
    exit_price: Decimal | None
    exit_date: datetime | None
    commission: Decimal
    currency: str
    strategy_name: str
    signal_score: float
    notes: str
    status: str

    def values(self) -> dict[str, Any]:
        """The stored field values: these, the P&L by the services' rule and the event time."""
        trade = Trade(**{f.name: getattr(self, f.name) for f in fields(self)})
        refresh_pnl(trade=trade)
        values = {f.name: getattr(trade, f.name) for f in fields(self)}
        values["pnl"], values["pnl_percent"] = trade.pnl, trade.pnl_percent
        # As the services stamp it: the exit once closed, else the entry.
        values["event_timestamp"] = self.exit_date or self.entry_date
        return values


@dataclass(frozen=True)
class DemoLoadResult:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        total = self.created + self.updated + self.unchanged
        return (
            f"demo trades: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged ({total} in the set)"
        )


def _market_time(rng: random.Random, day: date, instrument: DemoInstrument) -> datetime:
    """A time during the instrument's session: ASX ~00:00-06:00 UTC, US ~14:00-20:00 UTC."""
    while day.weekday() >= 5:  # markets are shut at weekends
        day -= timedelta(days=1)
    first_hour = 0 if instrument.ticker.endswith(".AX") else 14
    hour = first_hour + rng.randint(0, 5)
    minute = rng.choice((0, 15, 30, 45))
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _price(value: float) -> Decimal:
    return Decimal(str(round(max(value, 0.01), 2))).quantize(_CENT)


def demo_trades(*, anchor: date) -> list[DemoTrade]:
    """The demo set for ``anchor``: entries before it, every exit no later than its midnight."""
    rng = random.Random(_SEED)
    anchor_start = datetime.combine(anchor, time(0), tzinfo=UTC)
    drafts: list[dict[str, Any]] = []
    for n in range(DEMO_TRADE_COUNT):
        instrument = INSTRUMENTS[n % len(INSTRUMENTS)]
        strategy = rng.choice(STRATEGIES)
        direction = Direction.BUY if rng.random() < 0.75 else Direction.SELL
        days_before_anchor = rng.randint(2, HISTORY_DAYS)
        entry_date = _market_time(rng, anchor - timedelta(days=days_before_anchor), instrument)
        entry_price = _price(instrument.price * rng.uniform(0.75, 1.25))
        quantity = Decimal(max(1, round(rng.uniform(2_000, 15_000) / float(entry_price))))
        holding_days = rng.randint(3, 120)
        move = rng.gauss(0.02, 0.12)
        cancelled = rng.random() < 0.06
        # Recent entries are often still held; a few older ones are long-term holdings.
        still_held = rng.random() < (0.45 if days_before_anchor <= 120 else 0.08)
        signal_score = round(rng.uniform(0.35, 0.98), 2)

        exit_price: Decimal | None = None
        exit_date: datetime | None = None
        if cancelled:
            status = TradeStatus.CANCELLED
        else:
            exit_day = entry_date.date() + timedelta(days=holding_days)
            candidate = _market_time(rng, exit_day, instrument)
            if still_held or candidate > anchor_start:
                status = TradeStatus.OPEN
            else:
                status = TradeStatus.CLOSED
                exit_date = candidate
                exit_price = _price(float(entry_price) * max(0.2, 1 + move))

        drafts.append(
            {
                "ticker": instrument.ticker,
                "asset_name": instrument.name,
                "asset_class": instrument.asset_class,
                "direction": str(direction),
                "quantity": quantity,
                "entry_price": entry_price,
                "entry_date": entry_date,
                "exit_price": exit_price,
                "exit_date": exit_date,
                "commission": instrument.commission,
                "currency": instrument.currency,
                "strategy_name": strategy,
                "signal_score": signal_score,
                "notes": DEMO_NOTES,
                "status": str(status),
            }
        )
    # Number the trades in entry order so DEMO-0001 is the oldest.
    drafts.sort(key=lambda d: (d["entry_date"], d["ticker"]))
    return [
        DemoTrade(trade_id=f"{DEMO_TRADE_ID_PREFIX}{n:04d}", **draft)
        for n, draft in enumerate(drafts, start=1)
    ]


def _differs(trade: Trade, values: dict[str, Any]) -> bool:
    return any(getattr(trade, name) != value for name, value in values.items())


def load_demo_trades(*, anchor: date | None = None) -> DemoLoadResult:
    """Create or refresh the demo trades (keyed by ``trade_id``); never duplicates them."""
    specs = demo_trades(anchor=anchor or timezone.now().date())
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = Trade.objects.select_for_update().in_bulk(
            [spec.trade_id for spec in specs], field_name="trade_id"
        )
        to_create: list[Trade] = []
        now = timezone.now()
        for spec in specs:
            values = spec.values()
            trade = existing.get(spec.trade_id)
            if trade is None:
                to_create.append(Trade(**values, knowledge_timestamp=now))
                created += 1
            elif _differs(trade, values):
                for name, value in values.items():
                    setattr(trade, name, value)
                trade.knowledge_timestamp = now
                trade.save()
                updated += 1
            else:
                unchanged += 1
        Trade.objects.bulk_create(to_create)
    return DemoLoadResult(created=created, updated=updated, unchanged=unchanged)
