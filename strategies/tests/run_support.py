"""Builders for the run and API tests: synthetic stored prices and a private cache storage.

Prices are deterministic random walks (one seed per ticker) written through
``market.services.upsert_bars``, so symbols get their bar dates like after an ingest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.core.files.storage import storages
from django.test import override_settings

from market.bar_upsert import BarRow
from market.models import IndexConstituent, Symbol, Universe
from market.services import upsert_bars
from parakeet.env import cache_storage_config

UNIVERSE = "TESTUS"
FIRST_DAY = dt.date(2021, 1, 4)
TICKERS = tuple(f"T{i:02d}" for i in range(12))


def _forget_cached_storages() -> None:
    storages._storages = {}  # type: ignore[attr-defined]
    storages._backends = None  # type: ignore[attr-defined]
    storages.__dict__.pop("backends", None)


@contextmanager
def temporary_cache(path: Path) -> Iterator[None]:
    """Point the ``cache`` storage at ``path`` (local files) for the duration."""
    from django.conf import settings

    config = cache_storage_config(bucket="", prefix="", region="", local_dir=path / "cache")
    with override_settings(STORAGES={**settings.STORAGES, "cache": config}):
        _forget_cached_storages()
        try:
            yield
        finally:
            _forget_cached_storages()
    _forget_cached_storages()


def business_days(start: dt.date, count: int) -> list[dt.date]:
    return list(pd.bdate_range(start, periods=count).date)


def random_walk(seed: int, count: int, *, drift: float = 0.0004, vol: float = 0.015) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(x) for x in 100.0 * np.cumprod(1.0 + rng.normal(drift, vol, count))]


def bars_for(
    ticker: str, closes: Sequence[float], days: Sequence[dt.date], volume: int = 2_000_000
) -> list[BarRow]:
    rows = []
    for day, close in zip(days, closes, strict=True):
        price = Decimal(str(round(float(close), 4)))
        spread = max(Decimal("0.01"), (price * Decimal("0.01")).quantize(Decimal("0.0001")))
        rows.append(
            BarRow(
                ticker=ticker,
                date=day,
                open=price,
                high=price + spread,
                low=price - spread,
                close=price,
                adj_close=price,
                volume=volume,
                source="tiingo",
            )
        )
    return rows


def make_universe(key: str, tickers: Sequence[str], *, region: str = "US") -> Universe:
    universe, _ = Universe.objects.get_or_create(
        key=key,
        defaults={"name": f"{key} test universe", "region": region, "asset_class": "equity"},
    )
    for ticker in tickers:
        Symbol.objects.get_or_create(ticker=ticker, defaults={"data_source": "tiingo"})
        IndexConstituent.objects.get_or_create(
            universe=universe,
            ticker_id=ticker,  # type: ignore[misc]
            start_date=dt.date(2000, 1, 3),
        )
    return universe


def seed_prices(
    tickers: Sequence[str] = TICKERS,
    *,
    days: int = 520,
    start: dt.date = FIRST_DAY,
    universe: str | None = UNIVERSE,
    seed: int = 0,
    **walk: Any,
) -> pd.DataFrame:
    """Store ``days`` business days of bars per ticker; returns the close matrix."""
    calendar = business_days(start, days)
    closes = {
        ticker: random_walk(seed + index, days, **walk) for index, ticker in enumerate(tickers)
    }
    rows = [row for ticker in tickers for row in bars_for(ticker, closes[ticker], calendar)]
    upsert_bars(rows=rows)
    if universe is not None:
        make_universe(universe, tickers)
    index = pd.DatetimeIndex(pd.to_datetime(calendar), name="date").as_unit("ns")
    frame = pd.DataFrame(closes, index=index)
    return frame.round(4)


def fabricated_run(
    strategy_name: str,
    *,
    status: str = "completed",
    metrics: Mapping[str, float | None] | None = None,
    final_value: float | None = 110_000.0,
    weights: dict[str, float] | None = None,
    created_at: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    error: str = "",
    returns: Sequence[float] | None = None,
) -> Any:
    """A run row written directly (no engine): for aggregation tests with exact numbers.

    With ``returns``, an equity curve is built from them and stored like a real run's.
    """
    from django.utils import timezone

    from strategies.models import BacktestRun
    from strategies.results_store import save_series

    now = timezone.now()
    run = BacktestRun.objects.create(
        backtest_id=f"{strategy_name}_{now:%Y%m%d_%H%M%S}_{np.random.default_rng().integers(16**6):06x}",
        strategy_name=strategy_name,
        parameters=parameters if parameters is not None else {},
        universe=UNIVERSE,
        tickers=list(TICKERS),
        start_date=dt.date(2022, 1, 3),
        end_date=dt.date(2022, 12, 30),
        initial_capital=Decimal("100000"),
        optimization_method="HRP",
        status=status,
        error=error,
        metrics=dict(metrics) if metrics is not None and status == "completed" else None,
        final_value=final_value if status == "completed" else None,
        weights=weights if status == "completed" else None,
        details=details or {},
        execution_time=0.5 if status in {"completed", "failed"} else None,
        started_at=now if status != "queued" else None,
        completed_at=now if status in {"completed", "failed"} else None,
    )
    if returns is not None:
        r = pd.Series(list(returns), index=pd.bdate_range("2022-01-04", periods=len(returns)))
        equity = pd.Series(
            100_000.0 * np.cumprod(np.concatenate([[1.0], 1.0 + r.to_numpy()])),
            index=pd.bdate_range("2022-01-03", periods=len(returns) + 1),
        )
        run.series_path = save_series(backtest_id=run.backtest_id, equity=equity, returns=r)
        run.save(update_fields=["series_path"])
    if created_at is not None:
        BacktestRun.objects.filter(pk=run.pk).update(created_at=created_at)
        run.refresh_from_db()
    return run
