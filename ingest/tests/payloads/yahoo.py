"""Yahoo `GET /v8/finance/chart/{symbol}` bodies.

Shapes follow real answers: parallel arrays under `indicators`, `null` padding for holidays and
halts, splits keyed by their timestamp as a string, float32 noise in the prices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

Row = tuple[
    str, str, float | None, float | None, float | None, float | None, int | None, float | None
]


def session_timestamp(day: str, local_time: str, zone: str) -> int:
    """Epoch seconds of `day` at `local_time` in the exchange timezone."""
    moment = dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time.fromisoformat(local_time), tzinfo=ZoneInfo(zone)
    )
    return int(moment.timestamp())


def meta(
    symbol: str, *, currency: str, zone: str, exchange: str, instrument: str, gmtoffset: int
) -> dict[str, Any]:
    return {
        "currency": currency,
        "symbol": symbol,
        "exchangeName": exchange,
        "fullExchangeName": exchange,
        "instrumentType": instrument,
        "firstTradeDate": 601340400,
        "regularMarketTime": 1704240000,
        "hasPrePostMarketData": False,
        "gmtoffset": gmtoffset,
        "timezone": "AEDT" if zone == "Australia/Sydney" else "EST",
        "exchangeTimezoneName": zone,
        "priceHint": 2,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }


def chart(
    symbol: str,
    rows: Sequence[Row],
    *,
    zone: str,
    currency: str = "USD",
    exchange: str = "NYQ",
    instrument: str = "EQUITY",
    splits: list[tuple[int, int, int]] | None = None,
) -> dict[str, Any]:
    """`rows` are (day, local session time, open, high, low, close, volume, adjclose)."""
    timestamps = [session_timestamp(day, time, zone) for day, time, *_ in rows]
    first = dt.datetime.fromtimestamp(timestamps[0] if timestamps else 0, ZoneInfo(zone))
    offset = first.utcoffset() or dt.timedelta(0)
    result: dict[str, Any] = {
        "meta": meta(
            symbol,
            currency=currency,
            zone=zone,
            exchange=exchange,
            instrument=instrument,
            gmtoffset=int(offset.total_seconds()),
        )
    }
    if rows:
        result["timestamp"] = timestamps
    events: dict[str, Any] = {}
    if splits:
        events["splits"] = {
            str(stamp): {
                "date": stamp,
                "numerator": numerator,
                "denominator": denominator,
                "splitRatio": f"{numerator}:{denominator}",
            }
            for stamp, numerator, denominator in splits
        }
    if events:
        result["events"] = events
    result["indicators"] = {
        "quote": [
            {
                "open": [row[2] for row in rows],
                "high": [row[3] for row in rows],
                "low": [row[4] for row in rows],
                "close": [row[5] for row in rows],
                "volume": [row[6] for row in rows],
            }
            if rows
            else {}
        ],
        "adjclose": [{"adjclose": [row[7] for row in rows]}] if rows else [{}],
    }
    return {"chart": {"result": [result], "error": None}}


def bhp_first_days_of_2024() -> dict[str, Any]:
    """BHP.AX opens at 10:00 Sydney (AEDT, UTC+11): 23:00 UTC on the previous day."""
    return chart(
        "BHP.AX",
        [
            (
                "2024-01-02",
                "10:00",
                50.150001525878906,
                50.619998931884766,
                49.97999954223633,
                50.40999984741211,
                4898713,
                46.20512771606445,
            ),
            (
                "2024-01-03",
                "10:00",
                50.0,
                50.27000045776367,
                49.5,
                49.70000076293945,
                6142355,
                45.55437469482422,
            ),
        ],
        zone="Australia/Sydney",
        currency="AUD",
        exchange="ASX",
    )


NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}


def no_data_for_range(period1: int, period2: int) -> dict[str, Any]:
    return {
        "chart": {
            "result": None,
            "error": {
                "code": "Bad Request",
                "description": (
                    f"Data doesn't exist for startDate = {period1}, endDate = {period2}"
                ),
            },
        }
    }
