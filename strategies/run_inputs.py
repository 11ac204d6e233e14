"""The rules of a backtest request that need the catalogue or the database, shared by
``POST /api/strategies/run`` and ``manage.py backtest``.

The body has already passed :class:`strategies.serializers.BacktestRequestSerializer`
and the strategy is known. This checks the parameters against the catalogue, the universe
against the stored universes and the tickers against the stored symbols with bars, and
raises one :class:`RequestValidationError` naming every bad field.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from market.models import Symbol, Universe
from parakeet.validation import ErrorItem, RequestValidationError, error_item
from strategies import catalog


def canonical_universe(value: str) -> str | None:
    """The key of the universe named ``value`` in any case, or None."""
    key = Universe.objects.filter(key__iexact=value.strip()).values_list("key", flat=True).first()
    return None if key is None else str(key)


def universe_keys() -> list[str]:
    return [str(key) for key in Universe.objects.values_list("key", flat=True)]


def tickers_without_prices(tickers: list[str]) -> list[str]:
    """The tickers that are not stored symbols with at least one bar, in request order."""
    priced = set(
        Symbol.objects.filter(ticker__in=tickers, last_bar_date__isnull=False).values_list(
            "ticker", flat=True
        )
    )
    return [ticker for ticker in tickers if ticker not in priced]


def capital(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def checked_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`strategies.services.start_backtest`, or a 422."""
    name = data["strategy_name"]
    problems: list[ErrorItem] = []
    parameters, errors = catalog.validate_parameters(name, data.get("parameters") or {})
    for key, message in errors.items():
        loc: list[str | int] = ["body", "parameters", key] if key else ["body", "parameters"]
        problems.append(error_item(loc, message, "value_error"))
    universe = canonical_universe(data["universe"])
    if universe is None:
        problems.append(
            error_item(
                ["body", "universe"],
                f"Unknown universe '{data['universe']}'. Available: {universe_keys()}.",
                "enum",
            )
        )
    tickers = data.get("tickers")
    if tickers:
        unknown = tickers_without_prices(tickers)
        if unknown:
            problems.append(
                error_item(
                    ["body", "tickers"],
                    f"Unknown tickers (no stored prices): {', '.join(unknown)}.",
                    "value_error",
                )
            )
    if problems:
        raise RequestValidationError(problems)
    return {
        "strategy_name": name,
        "parameters": parameters,
        "universe": universe,
        "tickers": tickers,
        "start_date": data["start_date"],
        "end_date": data.get("end_date"),
        "initial_capital": capital(data["initial_capital"]),
        "optimization_method": data["optimization_method"],
    }
