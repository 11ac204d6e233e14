"""Tiingo `GET /tiingo/daily/{ticker}/prices` bodies.

A real row (AAPL, 2024-01-02) has these keys in this order; prices are JSON numbers, dates are
midnight UTC of the trading day.
"""

from __future__ import annotations

import json
from typing import Any


def tiingo_row(
    date: str,
    *,
    open: float,
    high: float,
    low: float,
    close: float,
    volume: int,
    adj_close: float | None = None,
    split_factor: float = 1.0,
    div_cash: float = 0.0,
) -> dict[str, Any]:
    adj = close if adj_close is None else adj_close
    ratio = adj / close
    return {
        "date": f"{date}T00:00:00.000Z",
        "close": close,
        "high": high,
        "low": low,
        "open": open,
        "volume": volume,
        "adjClose": adj,
        "adjHigh": round(high * ratio, 4),
        "adjLow": round(low * ratio, 4),
        "adjOpen": round(open * ratio, 4),
        "adjVolume": volume,
        "divCash": div_cash,
        "splitFactor": split_factor,
    }


def aapl_first_days_of_2024() -> list[dict[str, Any]]:
    return [
        tiingo_row(
            "2024-01-02",
            open=187.15,
            high=188.44,
            low=183.885,
            close=185.64,
            volume=82488674,
            adj_close=184.2905271217,
        ),
        tiingo_row(
            "2024-01-03",
            open=184.22,
            high=185.88,
            low=183.43,
            close=184.25,
            volume=58414460,
            adj_close=182.9106310476,
        ),
    ]


def nvda_split_day() -> list[dict[str, Any]]:
    """NVDA's 10-for-1 split took effect on 2024-06-10."""
    return [
        tiingo_row(
            "2024-06-07", open=1197.7, high=1216.9171, low=1180.22, close=1208.88, volume=41238580
        ),
        tiingo_row(
            "2024-06-10",
            open=120.37,
            high=123.1,
            low=117.01,
            close=121.79,
            volume=314162700,
            split_factor=10.0,
        ),
    ]


def not_found(ticker: str) -> dict[str, str]:
    return {"detail": f"Error: Ticker '{ticker}' not found"}


INVALID_TOKEN = {"detail": "Invalid token."}


def body(payload: Any) -> bytes:
    return json.dumps(payload).encode()
