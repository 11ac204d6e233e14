"""Synthetic daily bars for a local demo: ``manage.py load_demo_data`` calls ``load_demo_market``.

68 instruments that are members of the shipped universes (SPX500, NASDAQ100, ASX200, US_ETFS,
ASX_ETFS, CORE_ETFS), so universe-based features have something to show: 40 US and 20 ASX
stocks, SPY, QQQ, TLT, GLD, IEF, BND, VAS.AX, and the ^VIX index.

The prices are made up and labelled so: every bar has source ``demo`` and metadata
``{"synthetic": true}``, and every demo symbol's data source is ``demo``. The model, per
business day:

- a market factor and ten sector factors (tech, banks, ... gold, rates), so names in one
  sector move together and bonds lean against stocks;
- a volatility regime (calm, normal, stressed) following a Markov chain, scaling every
  factor's and name's volatility at once, and lifting ^VIX and volumes when stressed;
- geometric Brownian motion for most names, a handful trending strongly up or down, and a
  few mean-reverting around a level (an Ornstein-Uhlenbeck log price);
- OHLC built around the close-to-close path (an overnight gap to the open, a range beyond
  both), rounded to 4 places so low <= open, close <= high holds in the database;
- volume that rises with the size of the move and in stressed regimes.

Deterministic: every random stream comes from ``numpy.random.default_rng`` seeded with a fixed
seed (per factor, and per ticker from its CRC32), and is drawn in one call per stream, so a
day's values depend on neither the window asked for nor the other tickers loaded. Paths start
on a fixed origin date; a later run extends them without changing earlier bars, and loading
twice changes nothing (``upsert_bars`` leaves identical bars alone).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final, TextIO

from django.utils import timezone

from market.bar_upsert import BarRow
from market.models import DataQuality, DataSource
from market.services import SymbolInfo, UpsertCounts, upsert_bars, upsert_symbols

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SEED: Final = 20_240_601
ORIGIN: Final = dt.date(2019, 1, 2)
DEFAULT_YEARS: Final = 6
METADATA: Final = {"synthetic": True}
SECTORS: Final = (
    "tech",
    "banks",
    "health",
    "energy",
    "consumer",
    "industrials",
    "materials",
    "property",
    "gold",
    "rates",
)
# Regimes: daily volatility multiplier, volume multiplier, ^VIX target level.
REGIMES: Final = ((0.7, 0.85, 13.0), (1.0, 1.0, 18.0), (2.1, 1.5, 32.0))
TRANSITIONS: Final = (
    (0.985, 0.014, 0.001),
    (0.010, 0.980, 0.010),
    (0.004, 0.036, 0.960),
)
MARKET_VOL: Final = 0.009
SECTOR_VOL: Final = 0.006


@dataclass(frozen=True, slots=True)
class DemoInstrument:
    ticker: str
    sector: str
    price: float  # on ORIGIN
    volume: int  # typical daily volume
    beta: float = 1.0
    vol: float = 0.012  # idiosyncratic daily volatility
    drift: float = 0.0003  # daily log drift
    revert_to: float | None = None  # mean-reverting around this price when set
    sector_beta: float = 1.0  # loading on the sector factor (0 for broad index funds)


def _stocks(sector: str, *rows: tuple[str, float, int]) -> tuple[DemoInstrument, ...]:
    return tuple(DemoInstrument(t, sector, p, v) for t, p, v in rows)


INSTRUMENTS: Final[tuple[DemoInstrument, ...]] = (
    *_stocks(
        "tech",
        ("AAPL", 39.0, 60_000_000), ("MSFT", 100.0, 25_000_000), ("GOOGL", 52.0, 30_000_000),
        ("META", 135.0, 18_000_000), ("AMZN", 75.0, 55_000_000), ("ORCL", 45.0, 9_000_000),
        ("ADBE", 225.0, 3_000_000), ("CRM", 135.0, 6_000_000), ("AMD", 18.0, 55_000_000),
    ),
    DemoInstrument("NVDA", "tech", 3.4, 400_000_000, beta=1.5, vol=0.02, drift=0.0016),
    *_stocks(
        "banks",
        ("JPM", 98.0, 10_000_000), ("BAC", 25.0, 40_000_000), ("WFC", 47.0, 20_000_000),
        ("GS", 170.0, 2_500_000), ("MS", 40.0, 9_000_000), ("BRK-B", 200.0, 4_000_000),
        ("V", 130.0, 7_000_000), ("MA", 190.0, 3_500_000), ("CBA.AX", 72.0, 2_200_000),
        ("WBC.AX", 25.0, 6_000_000), ("NAB.AX", 24.0, 6_000_000), ("ANZ.AX", 24.0, 6_500_000),
        ("MQG.AX", 110.0, 900_000),
    ),
    *_stocks(
        "health",
        ("JNJ", 128.0, 7_000_000), ("UNH", 250.0, 3_500_000), ("PFE", 42.0, 30_000_000),
        ("MRK", 76.0, 9_000_000), ("ABBV", 92.0, 7_000_000), ("CSL.AX", 185.0, 700_000),
        ("COH.AX", 130.0, 150_000),
    ),
    DemoInstrument("LLY", "health", 115.0, 3_000_000, vol=0.014, drift=0.0013),
    *_stocks(
        "energy",
        ("XOM", 68.0, 18_000_000), ("CVX", 108.0, 9_000_000), ("COP", 62.0, 7_000_000),
        ("WDS.AX", 34.0, 3_500_000), ("STO.AX", 6.8, 9_000_000),
    ),
    *_stocks(
        "consumer",
        ("PEP", 110.0, 5_000_000), ("WMT", 93.0, 8_000_000), ("MCD", 178.0, 3_500_000),
        ("HD", 172.0, 4_500_000), ("NKE", 74.0, 7_000_000), ("WES.AX", 32.0, 1_500_000),
        ("COL.AX", 13.0, 2_500_000),
    ),
    DemoInstrument("COST", "consumer", 205.0, 2_500_000, beta=0.8, drift=0.0011),
    # Defensive names that oscillate around a level rather than trend.
    DemoInstrument("KO", "consumer", 47.0, 13_000_000, beta=0.5, vol=0.009, revert_to=55.0),
    DemoInstrument("PG", "consumer", 92.0, 7_000_000, beta=0.5, vol=0.009, revert_to=140.0),
    DemoInstrument("WOW.AX", "consumer", 29.0, 2_000_000, beta=0.4, vol=0.01, revert_to=34.0),
    DemoInstrument("TLS.AX", "property", 2.85, 25_000_000, beta=0.4, vol=0.01, revert_to=3.8),
    *_stocks(
        "industrials",
        ("CAT", 127.0, 3_500_000), ("HON", 132.0, 3_500_000), ("GE", 45.0, 8_000_000),
        ("UNP", 138.0, 3_000_000), ("TCL.AX", 12.0, 4_000_000), ("XRO.AX", 42.0, 500_000),
        ("ALL.AX", 24.0, 1_200_000),
    ),
    DemoInstrument("BA", "industrials", 320.0, 8_000_000, beta=1.3, vol=0.02, drift=-0.0012),
    *_stocks(
        "materials",
        ("BHP.AX", 33.0, 9_000_000), ("RIO.AX", 85.0, 2_500_000), ("FMG.AX", 4.7, 12_000_000),
    ),
    DemoInstrument("GMG.AX", "property", 11.0, 4_000_000, beta=1.1, vol=0.015, drift=0.0008),
    DemoInstrument("SPY", "industrials", 250.0, 75_000_000, vol=0.0015, sector_beta=0.0),
    DemoInstrument("QQQ", "tech", 155.0, 45_000_000, beta=1.15, vol=0.002, sector_beta=0.7),
    DemoInstrument("VAS.AX", "materials", 75.0, 150_000, beta=0.8, vol=0.002, sector_beta=0.3),
    DemoInstrument("GLD", "gold", 121.0, 8_000_000, beta=0.05, vol=0.004, sector_beta=1.3),
    DemoInstrument("TLT", "rates", 121.0, 12_000_000, beta=-0.25, vol=0.003, drift=0.0,
                   sector_beta=1.3),
    DemoInstrument("IEF", "rates", 104.0, 6_000_000, beta=-0.1, vol=0.001, drift=0.0,
                   sector_beta=0.5),
    DemoInstrument("BND", "rates", 77.0, 5_000_000, beta=-0.05, vol=0.001, drift=0.00005,
                   sector_beta=0.35),
    DemoInstrument("^VIX", "rates", 23.0, 0, beta=0.0, sector_beta=0.0),
)  # fmt: skip

INSTRUMENTS_BY_TICKER: Final = {i.ticker: i for i in INSTRUMENTS}
VIX: Final = "^VIX"


# --- the model (pure numpy) ---------------------------------------------------------------


def business_days(end: dt.date) -> npt.NDArray[np.datetime64]:
    """Every weekday from ORIGIN to ``end`` inclusive."""
    import numpy as np

    days = np.arange(np.datetime64(ORIGIN, "D"), np.datetime64(end, "D") + np.timedelta64(1, "D"))
    return days[np.is_busday(days)]


def _regimes(n: int) -> npt.NDArray[np.int64]:
    import numpy as np

    uniforms = np.random.default_rng([SEED, 0]).random(n)
    cumulative = np.cumsum(np.array(TRANSITIONS), axis=1)
    states = np.empty(n, dtype=np.int64)
    state = 1
    for i, u in enumerate(uniforms):
        state = int(np.searchsorted(cumulative[state], u, side="right"))
        state = min(state, len(REGIMES) - 1)
        states[i] = state
    return states


@dataclass(frozen=True, slots=True)
class _Factors:
    regimes: npt.NDArray[np.int64]
    vol_scale: npt.NDArray[np.float64]
    market: npt.NDArray[np.float64]
    sectors: dict[str, npt.NDArray[np.float64]]


def _factors(n: int) -> _Factors:
    import numpy as np

    regimes = _regimes(n)
    vol_scale = np.array([r[0] for r in REGIMES])[regimes]
    market = np.random.default_rng([SEED, 1]).standard_normal(n) * MARKET_VOL * vol_scale
    sector_draws = np.random.default_rng([SEED, 2]).standard_normal((n, len(SECTORS)))
    sectors = {name: sector_draws[:, k] * SECTOR_VOL * vol_scale for k, name in enumerate(SECTORS)}
    return _Factors(regimes, vol_scale, market, sectors)


@dataclass(frozen=True, slots=True)
class _Path:
    open: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    close: npt.NDArray[np.float64]
    volume: npt.NDArray[np.int64]


def _ticker_draws(ticker: str, n: int) -> npt.NDArray[np.float64]:
    """Five standard normals per day (idiosyncratic, gap, range up, range down, volume)."""
    import numpy as np

    stream = np.random.default_rng([SEED, zlib.crc32(ticker.encode())])
    draws: npt.NDArray[np.float64] = stream.standard_normal((n, 5))
    return draws


def _closes(
    instrument: DemoInstrument, factors: _Factors, idio: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Close prices and the day's close-to-close log return."""
    import numpy as np

    sector = factors.sectors[instrument.sector]
    noise = (
        instrument.beta * factors.market
        + instrument.sector_beta * sector
        + instrument.vol * factors.vol_scale * idio
    )
    if instrument.revert_to is None:
        log_returns = instrument.drift + noise
        log_close = np.log(instrument.price) + np.cumsum(log_returns)
    else:
        target = np.log(instrument.revert_to)
        log_close = np.empty_like(noise)
        level = np.log(instrument.price)
        for i, shock in enumerate(noise):
            level += 0.02 * (target - level) + shock
            log_close[i] = level
        log_returns = np.diff(log_close, prepend=np.log(instrument.price))
    return np.exp(log_close), log_returns


def _vix_closes(factors: _Factors, draws: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    import numpy as np

    targets = np.array([r[2] for r in REGIMES])[factors.regimes]
    levels = np.empty(len(targets))
    level = INSTRUMENTS_BY_TICKER[VIX].price
    for i, target in enumerate(targets):
        # Pulled to the regime's level, jumping up when the market falls.
        level += 0.06 * (target - level) - 45.0 * factors.market[i] + 0.6 * draws[i]
        level = max(level, 9.0)
        levels[i] = level
    return levels


def simulate(instrument: DemoInstrument, factors: _Factors) -> _Path:
    """The instrument's OHLCV on every day the factors cover."""
    import numpy as np

    n = len(factors.market)
    draws = _ticker_draws(instrument.ticker, n)
    if instrument.ticker == VIX:
        close = _vix_closes(factors, draws[:, 0])
        log_returns = np.diff(np.log(close), prepend=np.log(instrument.price))
        day_vol = 0.05 * factors.vol_scale
    else:
        close, log_returns = _closes(instrument, factors, draws[:, 0])
        day_vol = np.hypot(instrument.vol, MARKET_VOL * abs(instrument.beta)) * factors.vol_scale
    previous = np.concatenate(([instrument.price], close[:-1]))
    # Part of the day's move happens overnight; the rest between open and close.
    open_ = previous * np.exp(0.35 * log_returns + 0.25 * day_vol * draws[:, 1])
    high = np.maximum(open_, close) * np.exp(0.6 * day_vol * np.abs(draws[:, 2]))
    low = np.minimum(open_, close) * np.exp(-0.6 * day_vol * np.abs(draws[:, 3]))
    volume_scale = np.array([r[1] for r in REGIMES])[factors.regimes]
    surprise = np.abs(log_returns) / np.maximum(day_vol, 1e-9)
    volume = instrument.volume * volume_scale * np.exp(0.25 * draws[:, 4] + 0.2 * surprise)
    return _Path(open_, high, low, close, np.rint(volume).astype(np.int64))


def _price(value: float) -> Decimal:
    # At least a cent, so no price rounds to zero at 4 places.
    return Decimal(f"{max(value, 0.01):.4f}")


def demo_bars(
    *, tickers: Sequence[str], end: dt.date, years: int = DEFAULT_YEARS
) -> Iterator[BarRow]:
    """The demo bars of ``tickers`` for the ``years`` years up to ``end``, ticker by ticker."""
    import numpy as np

    unknown = [t for t in tickers if t not in INSTRUMENTS_BY_TICKER]
    if unknown:
        raise ValueError(f"not demo instruments: {unknown}")
    days = business_days(end)
    factors = _factors(len(days))
    first = np.datetime64(_years_before(end, years), "D")
    window = np.flatnonzero(days >= first)
    dates = [d.item() for d in days[window]]
    for ticker in tickers:
        path = simulate(INSTRUMENTS_BY_TICKER[ticker], factors)
        for i, day in zip(window, dates, strict=True):
            close = _price(path.close[i])
            yield BarRow(
                ticker=ticker,
                date=day,
                open=_price(path.open[i]),
                high=_price(path.high[i]),
                low=_price(path.low[i]),
                close=close,
                adj_close=close,
                volume=int(path.volume[i]),
                source=DataSource.DEMO,
                data_quality=DataQuality.GOOD,
                metadata=METADATA,
            )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _first_business_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _last_business_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


# --- loading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoMarketSummary:
    symbols: int
    first_date: dt.date
    last_date: dt.date
    bars: UpsertCounts
    caches_rebuilt: list[str]

    def __str__(self) -> str:
        return (
            f"{self.symbols} synthetic symbols (source 'demo'), bars "
            f"{self.first_date.isoformat()}..{self.last_date.isoformat()}: {self.bars}; "
            f"price caches rebuilt: {', '.join(self.caches_rebuilt) or 'none'}"
        )


def load_demo_market(
    stdout: TextIO | None = None,
    *,
    tickers: Sequence[str] | None = None,
    years: int = DEFAULT_YEARS,
    end: dt.date | None = None,
    rebuild_cache: bool = True,
) -> DemoMarketSummary:
    """Write the demo symbols and bars (up to ``end``, default the last weekday up to today,
    UTC) and rebuild the Parquet caches of the universes holding them. Idempotent."""
    from market.cache import rebuild_universe_caches

    chosen = list(tickers) if tickers is not None else [i.ticker for i in INSTRUMENTS]
    end = _last_business_day(end or timezone.now().date())
    first = _first_business_day(_years_before(end, years))
    upsert_symbols(
        symbols=[SymbolInfo(ticker=t, data_source=DataSource.DEMO, is_active=True) for t in chosen]
    )
    counts = upsert_bars(rows=demo_bars(tickers=chosen, end=end, years=years))
    if stdout is not None:
        stdout.write(f"Demo bars for {len(chosen)} symbols: {counts}\n")
    rebuilt = [m.universe for m in rebuild_universe_caches(tickers=chosen)] if rebuild_cache else []
    return DemoMarketSummary(
        symbols=len(chosen),
        first_date=first,
        last_date=end,
        bars=counts,
        caches_rebuilt=rebuilt,
    )
