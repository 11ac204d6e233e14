"""Input fields and defaults shared by the strategies request serializers (and the scanner's).

Numbers reject booleans; tickers are trimmed, upper-cased and matched against
``TICKER_PATTERN``; choices can be matched in any case.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

DEFAULT_UNIVERSE = "SPX500"
MAX_TICKERS = 1000
TICKER_PATTERN = re.compile(r"^[A-Z0-9.^=-]{1,20}$")


class NumberField(serializers.FloatField):
    """A finite JSON number (or numeric string); booleans are not numbers."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value: float = super().to_internal_value(data)
        return value


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


class TickerField(serializers.CharField):
    """Trimmed, upper-cased, ``^[A-Z0-9.^=-]{1,20}$``."""

    default_error_messages = {
        "pattern": "Input should be a ticker of 1-20 characters among A-Z 0-9 . ^ = -.",
    }

    def to_internal_value(self, data: Any) -> str:
        value = str(super().to_internal_value(data)).strip().upper()
        if not TICKER_PATTERN.fullmatch(value):
            raise serializers.ValidationError(
                self.error_messages["pattern"], code="string_pattern_mismatch"
            )
        return value


class UpperCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        return str(super().to_internal_value(data)).strip().upper()


class CaseInsensitiveChoiceField(serializers.ChoiceField):
    """Choices matched in any case; the canonical spelling is returned."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            folded = {str(choice).lower(): choice for choice in self.choices}
            data = folded.get(data.strip().lower(), data)
        return super().to_internal_value(data)
