"""Speed of the backtest engine and the scanners on synthetic data.

    .venv/bin/python benchmarks/engine_speed.py [--tickers 500] [--years 10]

Generates 500 tickers x 10 years of daily OHLCV (plus one year of warm-up history), then
times:

- Momentum and HRP backtests with monthly rebalancing (target: 2 s each), and Momentum again
  on a point-in-time universe (a membership mask with about 5 % of the index replaced each
  year, so most monthly decisions see a different member set);
- the simulation alone: the engine replaying Momentum's weights, against a naive loop over
  every day and every ticker in Python doing the same (the baseline; both final equities
  must agree, which doubles as a correctness check);
- each scanner over 500 tickers x 1 year (target: 0.5 s each).

BLAS is pinned to one thread unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS is already set:
the workloads are many small matrix products, for which thread start-up costs more than it
saves, and on a shared 2-core machine threaded BLAS was measured 10-50x slower.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402 - after the BLAS thread setting
import pandas as pd  # noqa: E402

from scanner.signals.bars import Bars  # noqa: E402
from scanner.signals.registry import SCANNER_TYPES, run_scan  # noqa: E402
from strategies.engine.backtest import run_backtest  # noqa: E402
from strategies.engine.context import DecisionContext  # noqa: E402
from strategies.engine.costs import NO_COSTS  # noqa: E402
from strategies.engine.registry import run_strategy  # noqa: E402
from strategies.engine.synthetic import synthetic_market  # noqa: E402

BACKTEST_TARGET_S = 2.0
SCAN_TARGET_S = 0.5
WARMUP_DAYS = 260


def timed[T](function: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """Best wall time of ``repeat`` runs, and the last result."""
    start = time.perf_counter()
    result = function()
    best = time.perf_counter() - start
    for _ in range(repeat - 1):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def turnover_membership(
    close: pd.DataFrame, *, yearly: float = 0.05, seed: int = 7
) -> pd.DataFrame:
    """Each ticker is a member over one random interval; about ``yearly`` of the index joins
    (and as many leave) each year, spread over the trading days."""
    rng = np.random.default_rng(seed)
    days, tickers = close.shape
    years = days / 252
    changing = rng.random(tickers) < min(1.0, yearly * years / 2)
    joins = np.where(changing & (rng.random(tickers) < 0.5), rng.integers(0, days, tickers), 0)
    leaves = np.where(changing & (joins == 0), rng.integers(0, days, tickers), days)
    day = np.arange(days)[:, None]
    return pd.DataFrame((day >= joins) & (day < leaves), index=close.index, columns=close.columns)


def naive_backtest(prices: pd.DataFrame, weights: pd.DataFrame, start: int) -> float:
    """Per-day, per-ticker Python loop: value holdings every day, trade to ``weights`` on
    their dates (at that close, no costs). Returns the final equity."""
    tickers = list(prices.columns)
    rows = prices.ffill().to_numpy().tolist()
    targets = {prices.index.get_loc(d): w.to_dict() for d, w in weights.iterrows()}
    shares = dict.fromkeys(tickers, 0.0)
    cash = 100_000.0
    equity = cash
    for t in range(start, len(rows)):
        row = rows[t]
        equity = cash
        for j, ticker in enumerate(tickers):
            equity += shares[ticker] * row[j]
        if t in targets:
            target = targets[t]
            cash = equity
            for j, ticker in enumerate(tickers):
                shares[ticker] = target.get(ticker, 0.0) * equity / row[j]
                cash -= shares[ticker] * row[j]
    return equity


def report(label: str, seconds: float, target: float | None) -> None:
    line = f"  {label:<40} {seconds:8.3f} s"
    if target is not None:
        verdict = "ok" if seconds <= target else "OVER TARGET"
        line += f"   target {target:.1f} s   x{seconds / target:5.2f}  {verdict}"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs per timing")
    args = parser.parse_args()

    days = args.years * 252 + WARMUP_DAYS
    print(f"Synthetic market: {args.tickers} tickers x {days} days (incl. {WARMUP_DAYS} warm-up)")
    generation, market = timed(lambda: synthetic_market(args.tickers, days, seed=42))
    report("data generation", generation, None)
    start = market.close.index[WARMUP_DAYS]

    print("Backtests (monthly rebalance, default costs):")
    results = {}
    for name in ("Momentum", "HRP"):
        seconds, result = timed(
            functools.partial(
                run_strategy, name, market.close, start=start, optimization_method="HRP"
            ),
            args.repeat,
        )
        results[name] = result
        report(f"{name} (HRP allocation)", seconds, BACKTEST_TARGET_S)
    membership = turnover_membership(market.close)
    seconds, _ = timed(
        functools.partial(
            run_strategy,
            "Momentum",
            market.close,
            start=start,
            optimization_method="HRP",
            membership=membership,
        ),
        args.repeat,
    )
    report("Momentum, point-in-time membership", seconds, BACKTEST_TARGET_S)

    print("Simulation only: replaying Momentum's weights (no costs), engine vs naive loop:")
    weights = results["Momentum"].weights
    table = {date: row[row != 0] for date, row in weights.iterrows()}

    def replay(prices: pd.DataFrame, context: DecisionContext) -> pd.Series | None:
        return table.get(context.date)

    engine_seconds, engine = timed(
        lambda: run_backtest(market.close, replay, start=start, execution_delay=0, costs=NO_COSTS),
        args.repeat,
    )
    naive_seconds, naive_equity = timed(
        lambda: naive_backtest(market.close, weights, WARMUP_DAYS), args.repeat
    )
    report("engine (vectorised segments)", engine_seconds, None)
    report("naive loop over days x tickers", naive_seconds, None)
    print(f"  engine speed-up x{naive_seconds / engine_seconds:.1f}")
    final = engine.final_value
    print(
        f"  final equity: engine {final:,.2f} vs naive {naive_equity:,.2f} "
        f"(relative difference {abs(final / float(naive_equity) - 1):.1e})"
    )

    print(f"Scanners ({args.tickers} tickers x 1 year):")
    year = slice(-253, None)  # one year of returns: 252 changes need 253 closes
    bars = Bars(
        close=market.close.iloc[year],
        high=market.high.iloc[year],
        low=market.low.iloc[year],
        volume=market.volume.iloc[year],
    )
    for scanner in SCANNER_TYPES:
        seconds, scan = timed(functools.partial(run_scan, scanner, bars), args.repeat)
        found = scan.results_found
        report(f"{scanner} ({found} rows)", seconds, SCAN_TARGET_S)


if __name__ == "__main__":
    main()
