"""Reading values out of source JSON without losing precision or trusting its shape."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

MAX_REASON_LENGTH = 200


class MalformedPayload(ValueError):
    """The body is not JSON, or not JSON shaped like the API documents."""


def parse_json(content: bytes) -> Any:
    # parse_float=Decimal keeps "185.64" as Decimal("185.64"); NaN/Infinity still arrive as
    # floats and are turned into Decimal NaN/Infinity by `to_decimal`, for validation to reject.
    try:
        return json.loads(content, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(str(exc)) from None


def to_decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(value) if isinstance(value, int) else Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def to_volume(value: object) -> int | None:
    """Volumes are whole numbers; a fractional volume (some crypto feeds) is rounded."""
    number = to_decimal(value)
    if number is None or not number.is_finite():
        return None
    return int(number.to_integral_value(rounding=ROUND_HALF_EVEN))


def short_text(text: str, limit: int = MAX_REASON_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_detail(body: bytes, *paths: tuple[str, ...]) -> str:
    """The first string found at one of `paths` in a JSON error body, else the body text."""
    try:
        data = parse_json(body)
    except MalformedPayload:
        return short_text(body.decode("utf-8", errors="replace"))
    for path in paths:
        node: Any = data
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str) and node.strip():
            return short_text(node)
    return short_text(json.dumps(data, default=str))
