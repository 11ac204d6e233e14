"""Scanners of contract §3.6 on synthetic bars whose expected signal is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scanner.signals import quallamaggie
from scanner.signals.bars import Bars, ScanFilters
from scanner.signals.indicators import percentile_rank, wilder_rsi
from scanner.signals.registry import SCANNERS, check_parameters, run_scan

DAYS = 300


def ohlcv(closes: dict[str, np.ndarray], ranges: dict[str, np.ndarray] | None = None) -> Bars:
    index = pd.bdate_range("2023-01-02", periods=len(next(iter(closes.values()))))
    close = pd.DataFrame(closes, index=index)
    spread = pd.DataFrame(
        {k: (ranges or {}).get(k, np.full(len(index), 0.02)) for k in closes}, index=index
    )
    high, low = close * (1 + spread / 2), close * (1 - spread / 2)
    volume = pd.DataFrame(1_000_000.0, index=index, columns=close.columns)
    return Bars.from_frames(close, high, low, volume)


def random_walks(names: list[str], days: int = DAYS, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {n: 30 * np.exp(np.cumsum(rng.normal(0, 0.01, days))) for n in names}


def rocket(climb: float = 0.009, days: int = DAYS) -> tuple[np.ndarray, np.ndarray]:
    """Flat at 20, climb from day 200 to 291, then an 8-day tight flag edging up."""
    price = np.full(days, 20.0)
    price[200:292] = 20.0 * (1 + climb) ** np.arange(92)
    price[292:] = price[291] * 1.001 ** np.arange(1, days - 291)
    spread = np.full(days, 0.02)
    spread[200:292] = 0.03
    spread[292:] = 0.01
    return price, spread


def rocket_bars() -> Bars:
    price, spread = rocket()
    closes = {"ROCKET": price, "SPY": np.full(DAYS, 400.0), **random_walks(["W1", "W2", "W3"])}
    return ohlcv(closes, {"ROCKET": spread})


# -- quallamaggie ------------------------------------------------------------------------


def test_a_steady_uptrending_breakout_is_a_buy_high_tight_flag():
    result = run_scan("quallamaggie", rocket_bars(), names={"ROCKET": "Rocket Corp"})

    top = result.stocks[0]
    assert top["ticker"] == "ROCKET"
    assert top["name"] == "Rocket Corp"
    assert top["signal"] == "BUY"
    assert top["details"]["pattern"] == "High Tight Flag"
    assert top["details"]["rs_rank"] == 100
    assert top["score"] == 100.0  # 20 x 4 stages + 20 x top percentile
    # Last 20 days: 12 climbing days with a 3 % range, then the 8-day flag with 1 %.
    adr = (12 * (1.015 / 0.985 - 1) + 8 * (1.005 / 0.995 - 1)) / 20 * 100
    assert top["details"]["adr_pct"] == pytest.approx(adr, abs=0.01)


def test_a_smaller_run_that_passes_every_stage_is_a_watch():
    # A slow climb then a late spurt: 63-day gain about 35 % (< 40 %), 21-day about 12 %.
    price = np.full(DAYS, 20.0)
    price[236:279] = 20.0 * 1.0043 ** np.arange(43)
    price[279:292] = price[278] * 1.0085 ** np.arange(1, 14)
    price[292:] = price[291] * 1.001 ** np.arange(1, DAYS - 291)
    spread = np.where(np.arange(DAYS) >= 292, 0.01, 0.03)
    closes = {"ROCKET": price, "SPY": np.full(DAYS, 400.0), **random_walks(["W1", "W2"])}

    result = run_scan("quallamaggie", ohlcv(closes, {"ROCKET": spread}))

    top = result.stocks[0]
    assert top["ticker"] == "ROCKET"
    assert top["signal"] == "WATCH"
    assert top["details"]["pattern"] == "High Tight Flag"


def test_flat_stocks_hold_and_rows_are_sorted_by_score_then_ticker():
    result = run_scan("quallamaggie", rocket_bars())

    others = [row for row in result.stocks if row["ticker"] != "ROCKET"]
    assert all(row["signal"] == "HOLD" for row in others)
    keys = [(-row["score"], row["ticker"]) for row in result.stocks]
    assert keys == sorted(keys)
    assert result.tickers_scanned == 5
    assert result.tickers_skipped == 0


def test_a_quiet_tightening_stock_is_a_consolidation_scored_by_its_stages():
    quiet = np.full(DAYS, 30.0)
    spread = np.where(np.arange(DAYS) >= DAYS - 10, 0.01, 0.03)
    bars = ohlcv({"QUIET": quiet, "ROCKET": rocket()[0]}, {"QUIET": spread})

    row = next(r for r in run_scan("quallamaggie", bars).stocks if r["ticker"] == "QUIET")

    assert row["signal"] == "HOLD"
    assert row["details"]["pattern"] == "Consolidation"
    # Liquidity and consolidation pass; its 0 % gain is the lower of two: percentile 1/2.
    assert row["score"] == 20 * 2 + 20 * 0.5
    assert row["details"]["rs_rank"] == 50


def test_quallamaggie_needs_130_bars():
    bars = rocket_bars()
    short = Bars(
        bars.close.iloc[-129:], bars.high.iloc[-129:], bars.low.iloc[-129:], bars.volume.iloc[-129:]
    )

    result = run_scan("quallamaggie", short)

    assert result.stocks == []
    assert result.tickers_skipped == 5


def test_a_stock_that_did_not_trade_on_the_scan_date_is_skipped():
    bars = rocket_bars()
    bars.close.loc[bars.close.index[-1], "W1"] = np.nan

    result = run_scan("quallamaggie", bars)

    assert "W1" not in {row["ticker"] for row in result.stocks}
    assert result.tickers_skipped == 1


def test_the_quallamaggie_criteria_describe_the_configured_thresholds():
    criteria = quallamaggie.criteria()

    assert criteria["min_gain_25d"] == "10%"
    assert criteria["max_pullback"] == "15%"
    assert criteria["pattern"] == "High Tight Flag"
    assert isinstance(criteria["volume_contraction"], bool)


# -- filters, counts and row fields --------------------------------------------------------


def test_price_and_volume_filters_drop_rows_but_not_counts():
    bars = rocket_bars()
    bars.volume.loc[:, "W2"] = 50_000.0

    result = run_scan(
        "momentum",
        bars,
        filters=ScanFilters(min_price=25.0, max_price=500.0, min_volume=100_000),
        parameters={"lookback_days": 100},
    )

    tickers = {row["ticker"] for row in result.stocks}
    assert "W2" not in tickers  # illiquid
    assert all(row["price"] >= 25.0 for row in result.stocks)
    assert result.tickers_scanned == 5
    assert result.filters.as_dict() == {
        "min_price": 25.0,
        "max_price": 500.0,
        "min_volume": 100_000,
    }


def test_row_fields_are_the_last_bar():
    bars = rocket_bars()

    row = next(r for r in run_scan("momentum", bars).stocks if r["ticker"] == "W1")

    close = bars.close["W1"]
    assert row["price"] == round(close.iloc[-1], 2)
    assert row["change_pct"] == round((close.iloc[-1] / close.iloc[-2] - 1) * 100, 2)
    assert row["volume"] == 1_000_000
    assert row["name"] == "W1"  # no name given: the ticker
    assert set(row) == {
        "ticker",
        "name",
        "price",
        "change_pct",
        "volume",
        "signal",
        "score",
        "details",
    }


def test_universe_tickers_without_bars_are_scanned_and_skipped():
    result = run_scan("momentum", rocket_bars(), universe=["ROCKET", "W1", "NOPE"])

    assert result.tickers_scanned == 3
    assert result.tickers_skipped == 1
    assert {row["ticker"] for row in result.stocks} == {"ROCKET", "W1"}


# -- momentum -----------------------------------------------------------------------------


def momentum_bars() -> Bars:
    days = 260
    closes = {f"M{i:02d}": 50 * np.exp(np.linspace(0, (i - 5) * 0.05, days)) for i in range(20)}
    return ohlcv(closes)


def test_momentum_scores_are_percentiles_and_signals_follow_the_thresholds():
    result = run_scan("momentum", momentum_bars())

    by_ticker = {row["ticker"]: row for row in result.stocks}
    assert by_ticker["M19"]["score"] == 100.0
    assert by_ticker["M19"]["signal"] == "STRONG_BUY"
    assert by_ticker["M18"]["signal"] == "STRONG_BUY"  # 95th percentile
    assert by_ticker["M14"]["signal"] == "BUY"  # 75th
    assert by_ticker["M10"]["signal"] == "HOLD"
    assert by_ticker["M04"]["signal"] == "SELL"  # negative momentum
    assert by_ticker["M05"]["signal"] == "HOLD"  # flat: not below min_momentum 0


def test_momentum_formula_skips_the_last_month():
    bars = momentum_bars()

    row = next(r for r in run_scan("momentum", bars).stocks if r["ticker"] == "M19")

    close = bars.close["M19"]
    expected = close.iloc[-22] / close.iloc[-253] - 1
    assert row["details"]["momentum_pct"] == round(expected * 100, 2)
    assert row["details"]["lookback_days"] == 252


def test_momentum_needs_lookback_plus_one_bars_and_honours_min_momentum():
    bars = momentum_bars()

    short = run_scan("momentum", bars, parameters={"lookback_days": 260})
    strict = run_scan("momentum", bars, parameters={"min_momentum": 0.5})

    assert short.stocks == []
    assert short.tickers_skipped == 20
    assert {row["signal"] for row in strict.stocks if row["ticker"] == "M10"} == {"SELL"}


# -- mean reversion -----------------------------------------------------------------------


def reversion_bars() -> Bars:
    walks = random_walks(["CALM1", "CALM2"], days=120, seed=3)
    crash = walks["CALM1"].copy()
    crash[-10:] = crash[-11] * 0.96 ** np.arange(1, 11)
    melt_up = walks["CALM2"].copy()
    melt_up[-10:] = melt_up[-11] * 1.04 ** np.arange(1, 11)
    return ohlcv({"CRASH": crash, "MELT": melt_up, **random_walks(["N1"], days=120, seed=4)})


def test_an_oversold_crash_has_rsi_below_30_and_closes_below_the_band():
    result = run_scan("mean_reversion", reversion_bars())

    crash = next(row for row in result.stocks if row["ticker"] == "CRASH")
    assert crash["signal"] == "OVERSOLD"
    assert crash["details"]["rsi"] < 30
    assert crash["details"]["bollinger_pct_b"] < 0
    assert crash["score"] == round(100 - crash["details"]["rsi"], 1)
    assert result.stocks[0]["ticker"] == "CRASH"  # the highest score


def test_a_melt_up_is_overbought():
    result = run_scan("mean_reversion", reversion_bars())

    melt = next(row for row in result.stocks if row["ticker"] == "MELT")
    assert melt["signal"] == "OVERBOUGHT"
    assert melt["details"]["rsi"] > 70
    assert melt["details"]["bollinger_pct_b"] > 1


def test_mean_reversion_needs_21_bars():
    bars = reversion_bars()
    short = Bars(*(frame.iloc[-20:] for frame in (bars.close, bars.high, bars.low, bars.volume)))

    assert run_scan("mean_reversion", short).tickers_skipped == 3


def reference_rsi(prices: list[float], period: int = 14) -> float:
    changes = np.diff(prices)
    gains, losses = np.clip(changes, 0, None), np.clip(-changes, 0, None)
    avg_gain, avg_loss = gains[:period].mean(), losses[:period].mean()
    for gain, loss in zip(gains[period:], losses[period:], strict=True):
        avg_gain = (avg_gain * (period - 1) + gain) / period
        avg_loss = (avg_loss * (period - 1) + loss) / period
    return 100 - 100 / (1 + avg_gain / avg_loss)


def test_wilder_rsi_matches_a_loop_per_ticker_with_different_listing_dates():
    rng = np.random.default_rng(5)
    a = 50 + np.cumsum(rng.normal(0, 1, 60))
    b = np.concatenate([np.full(25, np.nan), 40 + np.cumsum(rng.normal(0, 1, 35))])

    rsi = wilder_rsi(np.column_stack([a, b]))

    assert rsi[0] == pytest.approx(reference_rsi(list(a)))
    assert rsi[1] == pytest.approx(reference_rsi(list(b[25:])))


def test_percentile_rank_gives_the_top_value_one():
    assert percentile_rank(np.array([3.0, 1.0, np.nan, 2.0])).tolist()[:2] == [1.0, 1 / 3]


# -- registry -----------------------------------------------------------------------------


def test_the_scanner_catalogue_keeps_the_old_entries():
    assert [entry["name"] for entry in SCANNERS] == ["quallamaggie", "momentum", "mean_reversion"]
    assert SCANNERS[1]["signals"] == ["STRONG_BUY", "BUY", "HOLD", "SELL"]


@pytest.mark.parametrize(
    ("scanner", "parameters", "message"),
    [
        ("nope", {}, "Unknown scanner_type"),
        ("momentum", {"lookback": 10}, "Unknown parameter 'lookback'"),
        ("momentum", {"lookback_days": 10.5}, "Invalid parameter 'lookback_days'"),
        ("mean_reversion", {"rsi_threshold": 80}, "Invalid parameter 'rsi_threshold'"),
        ("quallamaggie", {"min_gain": 1}, "Unknown parameter 'min_gain'"),
    ],
)
def test_bad_scanner_or_parameters_are_value_errors(scanner, parameters, message):
    with pytest.raises(ValueError, match=message):
        check_parameters(scanner, parameters)
