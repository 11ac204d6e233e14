"""Input validation of the run endpoints (contract §2.3): the backtest request body and the
status and run list queries.

Rules that need the database (a known universe, tickers with stored bars) or the catalogue
(parameters of the strategy) are checked by the views, which report them in the same 422 shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from strategies.models import RunStatus
from strategies.serializers.fields import (
    DEFAULT_UNIVERSE,
    MAX_TICKERS,
    CaseInsensitiveChoiceField,
    NumberField,
    StrictIntegerField,
    TickerField,
    UpperCharField,
)

OPTIMIZATION_METHODS = ("HRP", "MVO", "InverseVol", "EqualWeight")
DEFAULT_START_DATE = dt.date(2020, 1, 1)
DEFAULT_INITIAL_CAPITAL = 100_000.0


class BacktestRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategy_name = serializers.CharField(min_length=1, max_length=100)
    start_date = serializers.DateField(required=False, default=DEFAULT_START_DATE)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    initial_capital = NumberField(
        required=False, min_value=1e3, max_value=1e8, default=DEFAULT_INITIAL_CAPITAL
    )
    tickers = serializers.ListField(
        child=TickerField(),
        required=False,
        allow_null=True,
        default=None,
        min_length=1,
        max_length=MAX_TICKERS,
    )
    universe = UpperCharField(required=False, default=DEFAULT_UNIVERSE, max_length=32)
    optimization_method = serializers.ChoiceField(
        choices=OPTIMIZATION_METHODS, required=False, default="HRP"
    )
    parameters = serializers.DictField(required=False, allow_null=True, default=None)

    def validate_tickers(self, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(dict.fromkeys(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end_date")
        if end is not None and end <= attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": "end_date must be after start_date."}, code="value_error"
            )
        return attrs


class StatusQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    backtest_id = serializers.CharField(required=False, max_length=120)


class RunListQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategy = serializers.CharField(required=False, max_length=100)
    status = CaseInsensitiveChoiceField(choices=RunStatus.values, required=False)
    page = StrictIntegerField(required=False, default=1, min_value=1)
    page_size = StrictIntegerField(required=False, default=50, min_value=1, max_value=200)
