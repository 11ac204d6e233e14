"""Residual momentum ranking of contract §3.7 (the quant2 endpoint), over month-end closes.

- Window: the 36 monthly returns before the latest month (the latest month is skipped);
  the score uses the last 12 of them. A ticker needs at least 24 monthly returns there.
- Model: each ticker's monthly excess return (over rf/12, compounded) is regressed on the
  market factor (benchmark - rf), or on Fama-French 3 factors when they are given.
- Score: Σ of the 12 scoring residuals / std(all window residuals, ddof=1).
- ``residual_vol`` = std(residuals)·√12·100 rounded to 1 dp; other numbers to 2 dp. Under the
  market model ``beta_smb`` and ``beta_hml`` are None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from strategies.engine.factors import regress

LOOKBACK_MONTHS = 36
SCORING_MONTHS = 12
MIN_MONTHS = 24
FF3_COLUMNS = ("Mkt-RF", "SMB", "HML")


@dataclass(frozen=True)
class RankingRow:
    rank: int
    ticker: str
    score: float
    r_squared: float
    beta_mkt: float
    beta_smb: float | None
    beta_hml: float | None
    residual_vol: float

    def as_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "ticker": self.ticker,
            "score": self.score,
            "r_squared": self.r_squared,
            "beta_mkt": self.beta_mkt,
            "beta_smb": self.beta_smb,
            "beta_hml": self.beta_hml,
            "residual_vol": self.residual_vol,
        }


@dataclass(frozen=True)
class ResidualMomentumRanking:
    rows: list[RankingRow]  # best score first
    factor_model: str  # "market" or "ff3"
    as_of: pd.Timestamp | None
    stocks_skipped: int


def _month_index(frame: pd.DataFrame | pd.Series) -> pd.PeriodIndex:
    return pd.DatetimeIndex(frame.index).to_period("M")


def residual_momentum_ranking(
    month_end_closes: pd.DataFrame,
    benchmark: pd.Series,
    *,
    risk_free_rate: float = 0.04,
    ff_factors: pd.DataFrame | None = None,
) -> ResidualMomentumRanking:
    """Rank tickers (columns of ``month_end_closes``, one row per month end) by residual
    momentum. ``ff_factors`` holds monthly ``Mkt-RF``, ``SMB``, ``HML`` returns indexed by
    month end; without it the market model is used."""
    closes = month_end_closes.astype(np.float64).copy()
    closes.index = _month_index(closes)
    market = benchmark.astype(np.float64).copy()
    market.index = _month_index(market)
    if closes.empty:
        return ResidualMomentumRanking([], "market", None, len(closes.columns))
    as_of = pd.Timestamp(pd.DatetimeIndex(month_end_closes.index)[-1])
    # Returns of month m are indexed by m; drop the latest month (skipped), keep 36 before it.
    returns = closes.pct_change(fill_method=None).iloc[1:-1].iloc[-LOOKBACK_MONTHS:]
    rf_month = (1.0 + risk_free_rate) ** (1.0 / 12.0) - 1.0

    factor_model = "market"
    if ff_factors is not None and set(FF3_COLUMNS).issubset(ff_factors.columns):
        factors = ff_factors[list(FF3_COLUMNS)].astype(np.float64).copy()
        factors.index = _month_index(factors)
        factors = factors.reindex(returns.index)
        factor_model = "ff3"
    else:
        market_returns = market.pct_change(fill_method=None).reindex(returns.index)
        factors = (market_returns - rf_month).to_frame("Mkt-RF")
    usable = factors.notna().all(axis=1)
    returns, factors = returns[usable], factors[usable]
    scoring = returns.index[-SCORING_MONTHS:]

    rows: list[tuple[str, float, float, list[float], float]] = []
    skipped = 0
    for ticker in returns.columns:
        series = returns[ticker]
        valid = series.notna()
        if int(valid.sum()) < MIN_MONTHS:
            skipped += 1
            continue
        y = series[valid].to_numpy() - rf_month
        fit = regress(y[:, None], factors[valid].to_numpy())
        residuals = pd.Series(fit.residuals[:, 0], index=series.index[valid])
        std = float(residuals.std(ddof=1))
        if not std > 0:
            skipped += 1
            continue
        score = float(residuals.reindex(scoring).dropna().sum()) / std
        rows.append((str(ticker), score, float(fit.r_squared[0]), list(fit.betas[1:, 0]), std))
    rows.sort(key=lambda row: (-row[1], row[0]))
    ranked = [
        RankingRow(
            rank=i + 1,
            ticker=ticker,
            score=round(score, 2),
            r_squared=round(r2, 2),
            beta_mkt=round(betas[0], 2),
            beta_smb=round(betas[1], 2) if factor_model == "ff3" else None,
            beta_hml=round(betas[2], 2) if factor_model == "ff3" else None,
            residual_vol=round(std * math.sqrt(12) * 100, 1),
        )
        for i, (ticker, score, r2, betas, std) in enumerate(rows)
    ]
    return ResidualMomentumRanking(ranked, factor_model, as_of, skipped)
