"""Serializer fields for the contract's input rules (query booleans, exclusive bounds)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class QueryBooleanField(serializers.BooleanField):
    """true/false/1/0/yes/no/on/off in any case; anything else is a bool_parsing error."""

    default_error_messages = {"invalid": "Input should be a valid boolean."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        value = str(data).strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.fail("invalid")
        raise AssertionError("unreachable")

    def to_representation(self, value: Any) -> bool:
        return bool(value)


def greater_than(bound: float) -> Any:
    """A validator for an exclusive lower bound (DRF's min_value is inclusive)."""

    def check(value: Any) -> None:
        if value is not None and value <= bound:
            raise serializers.ValidationError(
                f"Input should be greater than {bound:g}.", code="greater_than"
            )

    return check
