"""Request parsing with the contract's 422 error shape.

Views call :func:`parse_body`, :func:`parse_query` or :func:`parse_path_int`; a bad input
raises :class:`RequestValidationError`, which the exception handler renders as
``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`` with one item per bad field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from django.http.request import RawPostDataException
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.exceptions import APIException, ParseError
from rest_framework.request import Request

from parakeet.fields import QueryBooleanField

Source = Literal["body", "query", "path"]
ErrorItem = dict[str, Any]
AnyField = drf_fields.Field[Any, Any, Any, Any]


INVALID_JSON_MESSAGE = "JSON decode error: the body is not valid JSON."


class RequestValidationError(APIException):
    status_code = 422
    default_detail = "Invalid request"
    default_code = "invalid"

    def __init__(self, items: list[ErrorItem]) -> None:
        super().__init__(detail="Invalid request")
        self.items = items


def error_item(loc: list[str | int], msg: str, type_: str) -> ErrorItem:
    return {"loc": loc, "msg": msg, "type": type_}


_PARSING_TYPES: list[tuple[type[AnyField], str]] = [
    (QueryBooleanField, "bool_parsing"),
    (drf_fields.BooleanField, "bool_parsing"),
    (drf_fields.IntegerField, "int_parsing"),
    (drf_fields.FloatField, "float_parsing"),
    (drf_fields.DecimalField, "float_parsing"),
    (drf_fields.DateTimeField, "datetime_parsing"),
    (drf_fields.DateField, "date_parsing"),
]

_PATTERN_TYPE: tuple[type[AnyField], str] = (drf_fields.RegexField, "string_pattern_mismatch")

_CODE_TYPES = {
    "required": "missing",
    "invalid_choice": "enum",
    "min_value": "greater_than_equal",
    "max_value": "less_than_equal",
    "min_length": "string_too_short",
    "blank": "string_too_short",
    "max_length": "string_too_long",
    "max_string_length": "float_parsing",
    "max_digits": "float_parsing",
    "max_decimal_places": "float_parsing",
    "max_whole_digits": "float_parsing",
    "null": "value_error",
    "empty": "value_error",
    "greater_than": "greater_than",
    "greater_than_equal": "greater_than_equal",
    "less_than_equal": "less_than_equal",
    "string_pattern_mismatch": "string_pattern_mismatch",
}


def _message_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]*\}", template)
    return re.compile(".*".join(re.escape(part) for part in parts), re.DOTALL)


# Without the field (a ValidationError raised by ``is_valid(raise_exception=True)`` carries
# only messages and codes), DRF's default "invalid" messages still tell the parse type.
_MESSAGE_TYPES: list[tuple[re.Pattern[str], str]] = [
    (_message_pattern(str(field_class.default_error_messages[code])), type_)
    for field_class, type_ in [_PATTERN_TYPE, *_PARSING_TYPES]
    for code in ("invalid", "date", "datetime")
    if code in field_class.default_error_messages
]


def _error_type(field: AnyField | None, code: str | None, message: str = "") -> str:
    if code in _CODE_TYPES:
        return _CODE_TYPES[code]
    if code in {"invalid", "date", "datetime", "make_aware", "overflow"}:
        if isinstance(field, drf_fields.RegexField):
            return "string_pattern_mismatch"
        for field_class, type_ in _PARSING_TYPES:
            if isinstance(field, field_class):
                return type_
        for pattern, type_ in _MESSAGE_TYPES:
            if pattern.fullmatch(message):
                return type_
    return "value_error"


def _message(detail: Any) -> str:
    text = str(detail).strip()
    if not text.endswith((".", "?", "!")):
        text += "."
    return text


def items_from_errors(
    errors: Mapping[str, Any], source: Source, fields: Mapping[str, AnyField]
) -> list[ErrorItem]:
    """Flatten DRF's nested ``serializer.errors`` into the contract's item list."""
    items: list[ErrorItem] = []
    for name, detail in errors.items():
        loc: list[str | int] = [source] if name == "non_field_errors" else [source, name]
        items.extend(_walk(detail, loc, fields.get(name)))
    return items


def _walk(detail: Any, loc: list[str | int], field: AnyField | None) -> list[ErrorItem]:
    if isinstance(detail, Mapping):
        # Errors of list items ({index: [...]}) or of a nested serializer ({name: [...]}).
        nested = getattr(field, "fields", None)
        child = getattr(field, "child", None)
        items: list[ErrorItem] = []
        for key, sub in detail.items():
            sub_field = nested.get(key) if nested is not None else child
            sub_key: str | int = int(key) if str(key).isdigit() else str(key)
            items.extend(_walk(sub, [*loc, sub_key], sub_field))
        return items
    if isinstance(detail, list):
        return [item for sub in detail for item in _walk(sub, loc, field)]
    code = getattr(detail, "code", None)
    return [error_item(loc, _message(detail), _error_type(field, code, str(detail)))]


def validate(
    serializer_class: type[serializers.Serializer[Any]], data: Any, source: Source
) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise RequestValidationError(
            items_from_errors(serializer.errors, source, serializer.fields)
        )
    return dict(serializer.validated_data)


def parse_body(
    request: Request,
    serializer_class: type[serializers.Serializer[Any]],
    *,
    required: bool = True,
) -> dict[str, Any]:
    """Validate a JSON body; a missing body is ``loc ["body"] missing`` when required."""
    raw: bytes | None
    try:
        raw = request.body
    except RawPostDataException:
        raw = None  # already parsed (request.data was read first): judge by the data alone
    if raw is not None and not raw.strip():
        if required:
            raise RequestValidationError([error_item(["body"], "Field required.", "missing")])
        return validate(serializer_class, {}, "body")
    try:
        data = request.data
    except ParseError:
        raise RequestValidationError(
            [error_item(["body"], INVALID_JSON_MESSAGE, "json_invalid")]
        ) from None
    if not isinstance(data, Mapping):
        raise RequestValidationError(
            [error_item(["body"], "The body must be a JSON object.", "value_error")]
        )
    return validate(serializer_class, data, "body")


def parse_query(
    request: Request, serializer_class: type[serializers.Serializer[Any]]
) -> dict[str, Any]:
    data = {key: request.query_params.get(key) for key in request.query_params}
    return validate(serializer_class, data, "query")


def parse_path_int(name: str, value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RequestValidationError(
            [error_item(["path", name], "Input should be a valid integer.", "int_parsing")]
        ) from None
