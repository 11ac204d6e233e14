"""Writes to the market warehouse: bars, symbols and universes.

``upsert_bars`` is the one way bars get into ``market_data``: the ingest command, the demo
loader and the benchmarks all call it. It commits batch by batch, so a failure (a bar the
CHECK constraints refuse) loses only its own batch, and keeps each touched symbol's first and
last bar dates and ``bars_changed_at`` current.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from market import universe_files
from market.bar_upsert import (
    BarRow,
    BatchResult,
    dedupe,
    upsert_batch_postgresql,
    upsert_batch_sqlite,
)
from market.models import AssetClass, DailyBar, DataSource, IndexConstituent, Symbol, Universe
from market.ticker_rules import ticker_facts
from market.universe_files import MembershipInterval

if TYPE_CHECKING:
    from django.apps.registry import Apps

DEFAULT_BATCH_SIZE = 20_000

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "BarRow",
    "SymbolInfo",
    "UniverseLoadCounts",
    "UpsertCounts",
    "ensure_symbols",
    "load_universes",
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


def _new_symbol(info: SymbolInfo, symbol_model: type[Symbol] = Symbol) -> Symbol:
    facts = ticker_facts(info.ticker)
    return symbol_model(
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
    return _upsert_symbols(symbols, Symbol)


def _upsert_symbols(symbols: Iterable[SymbolInfo], symbol_model: type[Symbol]) -> SymbolCounts:
    by_ticker = {info.ticker: info for info in symbols}
    if not by_ticker:
        return SymbolCounts()
    existing = {s.ticker: s for s in symbol_model.objects.filter(ticker__in=by_ticker.keys())}
    to_create: list[Symbol] = []
    to_update: list[Symbol] = []
    changed_fields: set[str] = set()
    for ticker, info in by_ticker.items():
        symbol = existing.get(ticker)
        if symbol is None:
            to_create.append(_new_symbol(info, symbol_model))
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
        symbol_model.objects.bulk_create(to_create, ignore_conflicts=True)
        if to_update:
            now = timezone.now()
            for symbol in to_update:
                symbol.updated_at = now
            symbol_model.objects.bulk_update(to_update, [*sorted(changed_fields), "updated_at"])
    return SymbolCounts(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(by_ticker) - len(to_create) - len(to_update),
    )


# --- universes ----------------------------------------------------------------------------

# Universes whose full point-in-time history ships with the code; the others are snapshots
# whose members start at the registry's as_of date.
_HISTORY_LOADERS: dict[str, Callable[[], list[MembershipInterval]]] = {
    "SPX500": universe_files.load_membership_intervals,
}


@dataclass(frozen=True, slots=True)
class UniverseLoadCounts:
    universes_created: int = 0
    universes_updated: int = 0
    constituents_created: int = 0
    constituents_updated: int = 0
    constituents_deleted: int = 0
    symbols_created: int = 0
    symbols_updated: int = 0

    @property
    def changed(self) -> bool:
        return any(getattr(self, name) for name in self.__slots__)

    def __str__(self) -> str:
        return (
            f"universes {self.universes_created} created, {self.universes_updated} updated; "
            f"constituents {self.constituents_created} created, "
            f"{self.constituents_updated} updated, {self.constituents_deleted} deleted; "
            f"symbols {self.symbols_created} created, {self.symbols_updated} updated"
        )


def _asset_class(universe_asset_class: str) -> str:
    return AssetClass.ETF if universe_asset_class == "etf" else AssetClass.EQUITY


def load_universes(*, apps: Apps | None = None) -> UniverseLoadCounts:
    """Make the database match the universe files shipped in ``market/data/universes``.

    Idempotent: universes are upserted by key, each universe's constituent intervals are
    diffed by (ticker, start date) (created, end date updated, or deleted), and every member
    gets a ``Symbol`` (data source from the ticker's spelling; names and asset classes from
    the files). The S&P 500 gets its point-in-time history; the other universes start at
    their snapshot's ``as_of`` date.

    ``apps`` is the model registry to use: the data migration passes its historical one, so
    this must only touch fields that exist as of ``market.0003_load_universes``.
    """
    from django.apps import apps as current_apps

    registry = apps or current_apps
    universe_model: type[Universe] = registry.get_model("market", "Universe")
    constituent_model: type[IndexConstituent] = registry.get_model("market", "IndexConstituent")
    symbol_model: type[Symbol] = registry.get_model("market", "Symbol")

    specs = universe_files.load_registry()
    infos: dict[str, SymbolInfo] = {}
    wanted: dict[str, dict[tuple[str, dt.date], dt.date | None]] = {}
    for spec in specs:
        asset_class = _asset_class(spec.asset_class)
        intervals: dict[tuple[str, dt.date], dt.date | None] = {}
        for member in universe_files.load_members(spec.key):
            previous = infos.get(member.ticker)
            infos[member.ticker] = SymbolInfo(
                ticker=member.ticker,
                name=member.name or (previous.name if previous else None),
                asset_class=(
                    AssetClass.ETF
                    if previous is not None and previous.asset_class == AssetClass.ETF
                    else ticker_facts(member.ticker).asset_class or asset_class
                ),
            )
            intervals[(member.ticker, spec.as_of)] = None
        if spec.key in _HISTORY_LOADERS:
            intervals = {
                (interval.ticker, interval.start_date): interval.end_date
                for interval in _HISTORY_LOADERS[spec.key]()
            }
            for ticker, _start in intervals:
                infos.setdefault(ticker, SymbolInfo(ticker=ticker, asset_class=asset_class))
        wanted[spec.key] = intervals

    counts: dict[str, int] = dict.fromkeys(UniverseLoadCounts.__slots__, 0)
    with transaction.atomic():
        symbols = _upsert_symbols(infos.values(), symbol_model)
        counts["symbols_created"], counts["symbols_updated"] = symbols.created, symbols.updated
        for position, spec in enumerate(specs):
            values = {
                "name": spec.name,
                "description": spec.description,
                "region": spec.region,
                "asset_class": spec.asset_class,
                "as_of": spec.as_of,
                "source": spec.source,
                "position": position,
            }
            universe = universe_model.objects.filter(key=spec.key).first()
            if universe is None:
                universe = universe_model.objects.create(key=spec.key, **values)
                counts["universes_created"] += 1
            elif any(getattr(universe, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(universe, name, value)
                universe.save()
                counts["universes_updated"] += 1
            _sync_constituents(universe, wanted[spec.key], constituent_model, counts)
    return UniverseLoadCounts(**counts)


def _sync_constituents(
    universe: Universe,
    wanted: dict[tuple[str, dt.date], dt.date | None],
    constituent_model: type[IndexConstituent],
    counts: dict[str, int],
) -> None:
    existing = {
        (row.ticker_id, row.start_date): row
        for row in constituent_model.objects.filter(universe=universe)
    }
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        constituent_model.objects.filter(pk__in=stale).delete()
    to_update = []
    for key, row in existing.items():
        if key in wanted and row.end_date != wanted[key]:
            row.end_date = wanted[key]
            to_update.append(row)
    constituent_model.objects.bulk_update(to_update, ["end_date"])
    constituent_model.objects.bulk_create(
        [
            constituent_model(universe=universe, ticker_id=ticker, start_date=start, end_date=end)
            for (ticker, start), end in wanted.items()
            if (ticker, start) not in existing
        ]
    )
    counts["constituents_deleted"] += len(stale)
    counts["constituents_updated"] += len(to_update)
    counts["constituents_created"] += len(wanted.keys() - existing.keys())
