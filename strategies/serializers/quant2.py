"""Queries and response shapes of the quant2 endpoints (contract §2.7): residual momentum
rankings, universe validation and the universes summary."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from parakeet.fields import QueryBooleanField
from strategies.serializers.fields import (
    DEFAULT_UNIVERSE,
    CaseInsensitiveChoiceField,
    NumberField,
    StrictIntegerField,
)

RESIDUAL_SORT_FIELDS = (
    "score",
    "ticker",
    "r_squared",
    "beta_mkt",
    "beta_smb",
    "beta_hml",
    "residual_vol",
    "rank",
)


class ResidualMomentumQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField(required=False, default=DEFAULT_UNIVERSE, max_length=32)
    top_n = StrictIntegerField(required=False, default=20, min_value=5, max_value=100)
    include_bottom = QueryBooleanField(required=False, default=False)


class ResidualMomentumAllQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField(required=False, default=DEFAULT_UNIVERSE, max_length=32)
    sort_by = serializers.ChoiceField(choices=RESIDUAL_SORT_FIELDS, required=False, default="score")
    sort_order = CaseInsensitiveChoiceField(choices=["asc", "desc"], required=False, default="desc")
    min_score = NumberField(required=False, allow_null=True, default=None)
    max_score = NumberField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("min_score"), attrs.get("max_score")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"min_score": "min_score must not be greater than max_score."},
                code="value_error",
            )
        return attrs


class RankingRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rank = serializers.IntegerField()
    ticker = serializers.CharField()
    score = serializers.FloatField()
    r_squared = serializers.FloatField()
    beta_mkt = serializers.FloatField()
    beta_smb = serializers.FloatField(allow_null=True)
    beta_hml = serializers.FloatField(allow_null=True)
    residual_vol = serializers.FloatField()


class ResidualMomentumSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    universe_name = serializers.CharField()
    generated_at = serializers.DateTimeField()
    lookback_months = serializers.IntegerField()
    scoring_months = serializers.IntegerField()
    stocks_ranked = serializers.IntegerField()
    top_score = serializers.FloatField(allow_null=True)
    avg_r_squared = serializers.FloatField(allow_null=True)
    rankings = RankingRowSerializer(many=True)
    bottom_rankings = RankingRowSerializer(many=True, required=False)
    as_of = serializers.DateField(allow_null=True)
    factor_model = serializers.CharField()
    stocks_skipped = serializers.IntegerField()


class ResidualMomentumAllSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    universe_name = serializers.CharField()
    generated_at = serializers.DateTimeField()
    total_stocks = serializers.IntegerField()
    filtered_stocks = serializers.IntegerField()
    sort_by = serializers.CharField()
    sort_order = serializers.CharField()
    min_score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField(allow_null=True)
    stocks = RankingRowSerializer(many=True)
    as_of = serializers.DateField(allow_null=True)
    factor_model = serializers.CharField()


class ValidateUniverseQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField(max_length=64)


class ValidateUniverseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    valid = serializers.BooleanField()
    ticker_count = serializers.IntegerField()
    sample_tickers = serializers.ListField(child=serializers.CharField())
    api_status = serializers.CharField()


class UniverseSummaryRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    ticker_count = serializers.IntegerField()
    sample = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()


class UniversesSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    total_universes = serializers.IntegerField()
    universes = UniverseSummaryRowSerializer(many=True)
