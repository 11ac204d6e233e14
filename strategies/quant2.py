"""``/api/quant2/*`` (contract §2.7, §3.7): residual momentum from stored month-end prices,
and the universe checks.

Residual momentum reads the universe's stored closes (adjusted where known) for the last
40 months up to its latest stored date, takes each month's last close, and ranks with
:func:`strategies.engine.residual_momentum.residual_momentum_ranking` against the
benchmark's month-end closes (SPY; STW.AX for an AU universe). Without a stored benchmark
the market factor is the equal-weight average of the universe's monthly returns. The
benchmark and index levels (``^...``) are not ranked. Same stored data → same answer: the
computation has no randomness, so no cache is needed for determinism (none is kept).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Max

from market import selectors as market
from market.models import Symbol, Universe
from parakeet.api import utc_now_iso
from strategies.errors import InvalidUniverse, NotEnoughHistory

if TYPE_CHECKING:
    import pandas as pd

    from strategies.engine.residual_momentum import RankingRow

LOOKBACK_MONTHS = 36
SCORING_MONTHS = 12
# 36 returns + the skipped month need 38 month ends; read a little more.
READ_DAYS = 40 * 31
BENCHMARKS = {"AU": "STW.AX"}
DEFAULT_BENCHMARK = "SPY"


def universe_keys() -> list[str]:
    return market.universe_keys()


def find_universe(value: str) -> Universe | None:
    """The universe whose key is ``value`` in any case."""
    return Universe.objects.filter(key__iexact=value.strip()).first()


def resolve_universe(value: str) -> Universe:
    universe = find_universe(value)
    if universe is None:
        raise InvalidUniverse(value, universe_keys())
    return universe


@dataclass(frozen=True)
class Ranking:
    universe: Universe
    rows: list[RankingRow]
    as_of: dt.date | None
    factor_model: str
    stocks_skipped: int


def _latest_date(key: str) -> dt.date | None:
    latest = Symbol.objects.filter(memberships__universe__key=key).aggregate(
        latest=Max("last_bar_date")
    )["latest"]
    return latest if isinstance(latest, dt.date) else None


def _month_ends(prices: pd.DataFrame) -> pd.DataFrame:
    return prices.resample("ME").last()


def _benchmark_series(
    benchmark: str, monthly: pd.DataFrame, start: dt.date, end: dt.date
) -> pd.Series:
    import numpy as np
    import pandas as pd

    from strategies.backtest_inputs import close_matrix

    stored = close_matrix(universe=None, tickers=[benchmark], start=start, end=end)
    if benchmark in stored.columns:
        series = _month_ends(stored)[benchmark].reindex(monthly.index)
        if int(series.notna().sum()) > LOOKBACK_MONTHS // 2:
            return series
    # Equal-weight market proxy: the mean monthly return of the universe, compounded.
    mean_returns = monthly.pct_change(fill_method=None).mean(axis=1).fillna(0.0)
    return pd.Series(np.cumprod(1.0 + mean_returns.to_numpy()), index=monthly.index)


def residual_momentum(*, universe: Universe) -> Ranking:
    """The full ranking of the universe (best score first), or 409 when nobody scores."""
    from strategies.backtest_inputs import close_matrix
    from strategies.engine.residual_momentum import residual_momentum_ranking

    end = _latest_date(universe.key)
    if end is None:
        raise NotEnoughHistory(universe.key)
    start = end - dt.timedelta(days=READ_DAYS)
    prices = close_matrix(universe=universe.key, tickers=None, start=start, end=end)
    benchmark = BENCHMARKS.get(universe.region.upper(), DEFAULT_BENCHMARK)
    ranked_columns = [c for c in prices.columns if c != benchmark and not str(c).startswith("^")]
    prices = prices[ranked_columns]
    if prices.empty:
        raise NotEnoughHistory(universe.key)
    monthly = _month_ends(prices)
    market_series = _benchmark_series(benchmark, monthly, start, end)
    ranking = residual_momentum_ranking(
        monthly, market_series, risk_free_rate=float(settings.PARAKEET_RISK_FREE_RATE)
    )
    if not ranking.rows:
        raise NotEnoughHistory(universe.key)
    return Ranking(
        universe=universe,
        rows=list(ranking.rows),
        as_of=prices.index.max().date(),
        factor_model=ranking.factor_model,
        stocks_skipped=ranking.stocks_skipped,
    )


def _rows(rows: list[RankingRow]) -> list[dict[str, Any]]:
    return [row.as_dict() for row in rows]


def residual_momentum_body(ranking: Ranking, *, top_n: int, include_bottom: bool) -> dict[str, Any]:
    rows = ranking.rows
    body: dict[str, Any] = {
        "universe": ranking.universe.key,
        "universe_name": ranking.universe.name,
        "generated_at": utc_now_iso(),
        "lookback_months": LOOKBACK_MONTHS,
        "scoring_months": SCORING_MONTHS,
        "stocks_ranked": len(rows),
        "top_score": rows[0].score if rows else None,
        "avg_r_squared": round(sum(r.r_squared for r in rows) / len(rows), 2) if rows else None,
        "rankings": _rows(rows[:top_n]),
    }
    if include_bottom:
        body["bottom_rankings"] = _rows(rows[-top_n:])
    body.update(
        as_of=ranking.as_of.isoformat() if ranking.as_of else None,
        factor_model=ranking.factor_model,
        stocks_skipped=ranking.stocks_skipped,
    )
    return body


def _sort_key(field: str) -> Any:
    def key(row: dict[str, Any]) -> tuple[bool, Any]:
        value = row[field]
        return (value is None, value if value is not None else 0)

    return key


def residual_momentum_all_body(
    ranking: Ranking,
    *,
    sort_by: str,
    sort_order: str,
    min_score: float | None,
    max_score: float | None,
) -> dict[str, Any]:
    rows = _rows(ranking.rows)
    if min_score is not None:
        rows = [row for row in rows if row["score"] >= min_score]
    if max_score is not None:
        rows = [row for row in rows if row["score"] <= max_score]
    present = [row for row in rows if row[sort_by] is not None]
    missing = [row for row in rows if row[sort_by] is None]
    present.sort(key=_sort_key(sort_by), reverse=sort_order == "desc")
    ordered = present + missing  # nulls last in either order
    for position, row in enumerate(ordered, start=1):
        row["rank"] = position
    return {
        "universe": ranking.universe.key,
        "universe_name": ranking.universe.name,
        "generated_at": utc_now_iso(),
        "total_stocks": len(ranking.rows),
        "filtered_stocks": len(ordered),
        "sort_by": sort_by,
        "sort_order": sort_order,
        "min_score": min_score,
        "max_score": max_score,
        "stocks": ordered,
        "as_of": ranking.as_of.isoformat() if ranking.as_of else None,
        "factor_model": ranking.factor_model,
    }


def validate_universe(value: str) -> dict[str, Any]:
    universe = find_universe(value)
    if universe is None:
        return {
            "universe": value,
            "valid": False,
            "ticker_count": 0,
            "sample_tickers": [],
            "api_status": f"Unknown universe. Available: {universe_keys()}",
        }
    tickers = market.members(index=universe.key)
    return {
        "universe": universe.key,
        "valid": True,
        "ticker_count": len(tickers),
        "sample_tickers": tickers[:10],
        "api_status": "OK",
    }


def universes_summary() -> dict[str, Any]:
    rows = []
    for universe in Universe.objects.all():
        tickers = market.members(index=universe.key)
        rows.append(
            {
                "key": universe.key,
                "name": universe.name,
                "region": universe.region,
                "ticker_count": len(tickers),
                "sample": tickers[:5],
                "status": "available",
            }
        )
    return {"generated_at": utc_now_iso(), "total_universes": len(rows), "universes": rows}


def universe_info(universe: Universe) -> dict[str, Any]:
    """The ``universe`` object of the quant2 dashboard."""
    return {
        "name": universe.name,
        "description": universe.description,
        "region": universe.region,
        "asset_class": universe.asset_class,
        "ticker_count": len(market.members(index=universe.key)),
        "key": universe.key,
    }
