"""JSON rendering that never emits NaN or Infinity (they become null)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rest_framework.renderers import JSONRenderer


def finite_or_none(value: Any) -> Any:
    """NaN and +/-Infinity become None, also inside containers and numpy/pandas values."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, Mapping):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    if hasattr(value, "dtype") and hasattr(value, "tolist"):
        # numpy scalars and arrays, pandas Series: plain Python values, then the rules above.
        return finite_or_none(value.tolist())
    return value


class StrictJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        # DRF encodes strictly (STRICT_JSON): a NaN or Infinity anywhere raises ValueError.
        # Almost no response has one, so encode first and walk the data only when it did:
        # walking every value of a large response costs more than encoding it.
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except ValueError:
            return super().render(finite_or_none(data), accepted_media_type, renderer_context)
