"""StrictJSONRenderer: the fast path (no walk) and the fallback give null for each kind of NaN."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from parakeet.renderers import StrictJSONRenderer


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, Decimal("NaN"), np.float64("nan"), np.array([np.nan])],
    ids=["nan", "inf", "-inf", "decimal-nan", "numpy-nan", "numpy-array"],
)
def test_each_non_finite_value_alone_renders_as_null(value: Any) -> None:
    body = json.loads(StrictJSONRenderer().render({"x": value, "ok": 1.5}))

    assert body["ok"] == 1.5
    assert body["x"] in (None, [None])


def test_finite_data_renders_unchanged() -> None:
    data = {"a": [1, 2.5, "b"], "c": {"d": None}, "e": Decimal("1.25")}

    assert json.loads(StrictJSONRenderer().render(data)) == {
        "a": [1, 2.5, "b"],
        "c": {"d": None},
        "e": 1.25,
    }
