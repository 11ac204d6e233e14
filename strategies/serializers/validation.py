"""Request and response shapes of the validation endpoints (contract §2.8): the validated
strategies and the deflated Sharpe ratio calculator."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from strategies.serializers.fields import NumberField, StrictIntegerField


class ValiditySerializer(serializers.Serializer):  # type: ignore[type-arg]
    psr = serializers.FloatField(allow_null=True)
    dsr = serializers.FloatField(allow_null=True)
    num_trials = serializers.IntegerField()
    is_significant = serializers.BooleanField()
    confidence_level = serializers.CharField()


class ValidatedStrategySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    name = serializers.CharField()
    sharpe = serializers.FloatField(allow_null=True)
    sortino = serializers.FloatField(allow_null=True)
    max_drawdown = serializers.FloatField(allow_null=True)
    validity = ValiditySerializer()


class ValidationStrategiesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategies = ValidatedStrategySerializer(many=True)
    total_trials_rejected = serializers.IntegerField()
    total_trials_accepted = serializers.IntegerField()
    generated_at = serializers.DateTimeField()


class CalculateDsrSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sharpe_ratio = NumberField(min_value=-1e6, max_value=1e6, help_text="Annualised Sharpe ratio.")
    n_trials = StrictIntegerField(required=False, default=1, min_value=1, max_value=10**12)
    n_samples = StrictIntegerField(required=False, default=252, min_value=2, max_value=10**7)
    skewness = NumberField(required=False, default=0.0, min_value=-1e6, max_value=1e6)
    kurtosis = NumberField(
        required=False,
        default=3.0,
        max_value=1e12,
        help_text="Pearson kurtosis (normal = 3); at least 1 + skewness².",
    )
    periods_per_year = NumberField(required=False, default=252, min_value=1, max_value=366)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        skew, kurt = attrs["skewness"], attrs["kurtosis"]
        if kurt < 1.0 + skew**2:
            raise serializers.ValidationError(
                {"kurtosis": "kurtosis must be at least 1 + skewness²."}, code="value_error"
            )
        return attrs


class DsrResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sharpe_ratio = serializers.FloatField()
    deflated_sharpe_ratio = serializers.FloatField()
    probabilistic_sharpe_ratio = serializers.FloatField()
    n_trials = serializers.IntegerField()
    n_samples = serializers.IntegerField()
    is_significant = serializers.BooleanField()
    confidence_level = serializers.CharField()
    interpretation = serializers.CharField()
    expected_max_sharpe = serializers.FloatField()
    sharpe_ratio_std = serializers.FloatField()
