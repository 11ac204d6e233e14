"""The universe lists shipped in ``market/data/universes``, read as plain Python values.

Pure file reading, no Django models: the data migration / import command turns these into
``Universe`` and ``IndexConstituent`` rows. See the README next to the files for where each list
comes from and how the S&P 500 point-in-time files are reconciled.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Final, NamedTuple

REGISTRY_FILE: Final = "registry.csv"
SP500_CONSTITUENTS_FILE: Final = "sp500_constituents.csv"
SP500_INTERVALS_FILE: Final = "sp500_membership_intervals.csv"
SP500_CHANGES_FILE: Final = "sp500_changes_since_2019.csv"

# Ticker changes that neither S&P file dates (same company, same SEC CIK): the whole history is
# relabelled to the ticker the data sources serve it under today.
SP500_TICKER_CHANGES: Final = {"BK": "BNY", "MMC": "MRSH"}


def data_dir() -> Traversable:
    return files("market").joinpath("data", "universes")


@dataclass(frozen=True, slots=True)
class UniverseSpec:
    key: str
    name: str
    description: str
    region: str
    asset_class: str
    as_of: dt.date
    source: str


class UniverseMember(NamedTuple):
    ticker: str
    name: str


class MembershipInterval(NamedTuple):
    """``end_date`` is exclusive (first day no longer a member); None means still a member."""

    ticker: str
    start_date: dt.date
    end_date: dt.date | None


class UnknownUniverse(LookupError):
    def __init__(self, key: str, available: Iterable[str]) -> None:
        self.key = key
        self.available = list(available)
        super().__init__(f"Unknown universe '{key}'. Available: {self.available}")


def source_ticker(index_ticker: str) -> str:
    """Index files spell class shares with a dot (``BRK.B``); the data sources use a dash."""
    return index_ticker.strip().upper().replace(".", "-")


def load_registry() -> list[UniverseSpec]:
    """The universes in registry order (the order the API lists them)."""
    return [
        UniverseSpec(
            key=row["key"],
            name=row["name"],
            description=row["description"],
            region=row["region"],
            asset_class=row["asset_class"],
            as_of=dt.date.fromisoformat(row["as_of"]),
            source=row["source"],
        )
        for row in _rows(REGISTRY_FILE)
    ]


def load_members(key: str) -> list[UniverseMember]:
    """Members of universe ``key`` (case-sensitive), sorted by ticker."""
    keys = [spec.key for spec in load_registry()]
    if key not in keys:
        raise UnknownUniverse(key, keys)
    return [UniverseMember(row["ticker"], row["name"]) for row in _rows(f"{key}.csv")]


def load_membership_intervals() -> list[MembershipInterval]:
    """Point-in-time S&P 500 membership, reconciled with the change list and the current
    constituents (README, "How load_membership_intervals() reconciles"), sorted by ticker and
    start date. The intervals open today are exactly the current constituents."""
    spans: dict[str, list[_Span]] = defaultdict(list)
    last_known = dt.date.min
    for row in _rows(SP500_INTERVALS_FILE):
        span = _Span(dt.date.fromisoformat(row["start_date"]), _date_or_none(row["end_date"]))
        spans[source_ticker(row["ticker"])].append(span)
        last_known = max(last_known, span.start, span.end or span.start)

    def open_span(ticker: str) -> _Span | None:
        return next((span for span in spans.get(ticker, []) if span.end is None), None)

    for change in _rows(SP500_CHANGES_FILE):
        day = dt.date.fromisoformat(change["date"])
        if day <= last_known:
            continue  # already in the interval file
        for ticker in _tickers(change["remove"]):
            if (removed := open_span(ticker)) is not None:
                removed.end = day
        for ticker in _tickers(change["add"]):
            if open_span(ticker) is None:
                spans[ticker].append(_Span(day, None))

    for old, new in SP500_TICKER_CHANGES.items():
        if old in spans:
            spans[new].extend(spans.pop(old))

    constituents = {
        source_ticker(row["Symbol"]): _date_or_none(row["Date added"])
        for row in _rows(SP500_CONSTITUENTS_FILE)
    }
    snapshot = max(day for day in constituents.values() if day is not None)
    for ticker, ticker_spans in spans.items():
        for span in ticker_spans:
            if span.end is None and ticker not in constituents:
                span.end = snapshot  # left on a date no file gives: an upper bound
    for ticker, added in constituents.items():
        if open_span(ticker) is None:
            ends = [span.end for span in spans.get(ticker, []) if span.end is not None]
            start = max([added or snapshot, *ends])  # never overlap an earlier membership
            spans[ticker].append(_Span(start, None))

    return sorted(
        MembershipInterval(ticker, span.start, span.end)
        for ticker, ticker_spans in spans.items()
        for span in ticker_spans
    )


@dataclass(slots=True)
class _Span:
    start: dt.date
    end: dt.date | None


def _rows(name: str) -> list[dict[str, str]]:
    text = data_dir().joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _tickers(cell: str) -> list[str]:
    return [source_ticker(part) for part in cell.split(",") if part.strip()]


def _date_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10]) if value.strip() else None
    except ValueError:
        return None
