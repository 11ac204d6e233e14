"""The rules of a scan request that need the scanners or the database, shared by
``POST /api/scanner/run`` and ``manage.py scan``: the scanner's parameters and custom tickers
with stored prices. One :class:`RequestValidationError` names every bad field."""

from __future__ import annotations

from typing import Any

from parakeet.validation import ErrorItem, RequestValidationError, error_item


def checked_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """The rules that need the scanners or the database; one 422 naming every bad field."""
    from scanner.scanning import check_parameters
    from strategies.run_inputs import tickers_without_prices

    problems: list[ErrorItem] = []
    parameters: dict[str, Any] = {}
    try:
        parameters = check_parameters(data["scanner_type"], data.get("parameters"))
    except ValueError as exc:
        problems.append(error_item(["body", "parameters"], str(exc), "value_error"))
    tickers = data.get("custom_tickers")
    if tickers:
        unknown = tickers_without_prices(tickers)
        if unknown:
            problems.append(
                error_item(
                    ["body", "custom_tickers"],
                    f"Unknown tickers (no stored prices): {', '.join(unknown)}.",
                    "value_error",
                )
            )
    if problems:
        raise RequestValidationError(problems)
    return {
        "scanner_type": data["scanner_type"],
        "universe": data["universe"],
        "min_price": data["min_price"],
        "max_price": data["max_price"],
        "min_volume": data["min_volume"],
        "custom_tickers": tickers,
        "parameters": parameters,
    }
