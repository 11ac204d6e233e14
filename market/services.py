"""Writes to the market warehouse: bars, symbols and universes.

``upsert_bars`` is the one way bars get into ``market_data``: the ingest command, the demo
loader and the benchmarks all call it. It commits batch by batch, so a failure (a bar the
CHECK constraints refuse) loses only its own batch, and keeps each touched symbol's first and
last bar dates and ``bars_changed_at`` current.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from market.bar_upsert import (
    BarRow,
    BatchResult,
    dedupe,
    upsert_batch_postgresql,
    upsert_batch_sqlite,
)
from market.models import AssetClass, DailyBar, DataSource, Symbol
from market.ticker_rules import ticker_facts

DEFAULT_BATCH_SIZE = 20_000

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "BarRow",
    "SymbolInfo",
    "UpsertCounts",
    "ensure_symbols",
    "refresh_symbol_bar_dates",
    "upsert_bars",
    "upsert_symbols",
]


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            inserted=self.inserted + other.inserted,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """Descriptive fields of a symbol; ``None`` leaves the stored value (or the default)."""

    ticker: str
    name: str | None = None
    exchange: str | None = None
    asset_class: str | None = None
    currency: str | None = None
    sector: str | None = None
    data_source: str | None = None
    is_active: bool | None = None
    is_delisted: bool | None = None


def _batches(rows: Iterable[BarRow], size: int) -> Iterator[list[BarRow]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def upsert_bars(*, rows: Iterable[BarRow], batch_size: int = DEFAULT_BATCH_SIZE) -> UpsertCounts:
    """Insert new bars, update changed ones, leave identical ones untouched.

    ``rows`` may be any iterable (a generator over millions of rows is fine): it is consumed
    ``batch_size`` rows at a time, each batch in its own transaction. Within a batch a
    repeated (ticker, date) counts once, the last row winning. Symbols that do not exist yet
    are created from the ticker's spelling and the bar's source.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    upsert_batch = (
        upsert_batch_postgresql if connection.vendor == "postgresql" else upsert_batch_sqlite
    )
    total = UpsertCounts()
    for batch in _batches(rows, batch_size):
        unique_rows = dedupe(batch)
        with transaction.atomic():
            ensure_symbols(sources={row.ticker: row.source for row in unique_rows})
            result: BatchResult = upsert_batch(unique_rows)
            refresh_symbol_bar_dates(tickers=result.keys())
        inserted = sum(counts.inserted for counts in result.values())
        updated = sum(counts.updated for counts in result.values())
        total += UpsertCounts(
            inserted=inserted,
            updated=updated,
            unchanged=len(unique_rows) - inserted - updated,
        )
    return total


def ensure_symbols(*, sources: Mapping[str, str]) -> int:
    """Create the missing symbols among ``sources`` (ticker -> data source); returns how many
    were missing. Exchange, currency and asset class come from the ticker's spelling."""
    if not sources:
        return 0
    existing = set(
        Symbol.objects.filter(ticker__in=sources.keys()).values_list("ticker", flat=True)
    )
    missing = [ticker for ticker in sources if ticker not in existing]
    Symbol.objects.bulk_create(
        [_new_symbol(SymbolInfo(ticker=t, data_source=sources[t])) for t in missing],
        ignore_conflicts=True,  # a concurrent ingest may have created it meanwhile
    )
    return len(missing)


def refresh_symbol_bar_dates(*, tickers: Iterable[str]) -> int:
    """Recompute first/last bar dates from ``market_data`` and stamp ``bars_changed_at`` for
    ``tickers`` (whose bars just changed). Each date is one index probe per symbol."""
    tickers = list(tickers)
    if not tickers:
        return 0
    bars = DailyBar.objects.filter(ticker_id=OuterRef("ticker")).order_by()
    return Symbol.objects.filter(ticker__in=tickers).update(
        first_bar_date=Subquery(bars.order_by("date").values("date")[:1]),
        last_bar_date=Subquery(bars.order_by("-date").values("date")[:1]),
        bars_changed_at=timezone.now(),
    )


def _new_symbol(info: SymbolInfo) -> Symbol:
    facts = ticker_facts(info.ticker)
    return Symbol(
        ticker=info.ticker,
        name=info.name or "",
        exchange=info.exchange if info.exchange is not None else facts.exchange,
        asset_class=info.asset_class or facts.asset_class or AssetClass.EQUITY,
        currency=info.currency or facts.currency,
        sector=info.sector or "",
        data_source=info.data_source or facts.data_source,
        is_active=True if info.is_active is None else info.is_active,
        is_delisted=False if info.is_delisted is None else info.is_delisted,
    )


_DESCRIPTIVE_FIELDS = (
    "name",
    "exchange",
    "asset_class",
    "currency",
    "sector",
    "data_source",
    "is_active",
    "is_delisted",
)


@dataclass(frozen=True, slots=True)
class SymbolCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_symbols(*, symbols: Iterable[SymbolInfo]) -> SymbolCounts:
    """Create missing symbols and update the given (non-``None``) fields of existing ones.

    A symbol whose data source is ``demo`` keeps it: shipped universe files never relabel
    synthetic data as real.
    """
    by_ticker = {info.ticker: info for info in symbols}
    if not by_ticker:
        return SymbolCounts()
    existing = {s.ticker: s for s in Symbol.objects.filter(ticker__in=by_ticker.keys())}
    to_create: list[Symbol] = []
    to_update: list[Symbol] = []
    changed_fields: set[str] = set()
    for ticker, info in by_ticker.items():
        symbol = existing.get(ticker)
        if symbol is None:
            to_create.append(_new_symbol(info))
            continue
        changed = False
        for name in _DESCRIPTIVE_FIELDS:
            value = getattr(info, name)
            if value is None or getattr(symbol, name) == value:
                continue
            if name == "data_source" and symbol.data_source == DataSource.DEMO:
                continue
            setattr(symbol, name, value)
            changed_fields.add(name)
            changed = True
        if changed:
            to_update.append(symbol)
    with transaction.atomic():
        Symbol.objects.bulk_create(to_create, ignore_conflicts=True)
        if to_update:
            now = timezone.now()
            for symbol in to_update:
                symbol.updated_at = now
            Symbol.objects.bulk_update(to_update, [*sorted(changed_fields), "updated_at"])
    return SymbolCounts(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(by_ticker) - len(to_create) - len(to_update),
    )
