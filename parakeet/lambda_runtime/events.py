"""Recognising what kind of event Lambda handed us (pure: no Django imports).

| kind        | recognised by                                                  |
|-------------|----------------------------------------------------------------|
| ``http``    | ``requestContext`` (API Gateway v1/v2, ALB) or ``httpMethod``    |
| ``warmer``  | ``{"warmer": true}``                                            |
| ``command`` | ``{"command": str, "args": [...]}`` (also a Scheduler target Input) |
| ``task``    | ``{"task": str, "args": [...], "kwargs": {...}}``              |
| ``scheduled`` | EventBridge envelope: ``source`` + ``detail-type``; input in ``detail`` |
| ``unknown`` | anything else, including non-object events                    |
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    HTTP = "http"
    WARMER = "warmer"
    COMMAND = "command"
    TASK = "task"
    SCHEDULED = "scheduled"
    UNKNOWN = "unknown"


def event_kind(event: object) -> EventKind:
    if not isinstance(event, dict):
        return EventKind.UNKNOWN
    if isinstance(event.get("requestContext"), dict) or "httpMethod" in event:
        return EventKind.HTTP
    if event.get("warmer") is True:
        return EventKind.WARMER
    if "command" in event:
        return EventKind.COMMAND
    if "task" in event:
        return EventKind.TASK
    if "source" in event and "detail-type" in event:
        return EventKind.SCHEDULED
    return EventKind.UNKNOWN


def event_keys(event: object) -> list[str]:
    """The top-level keys of an event, for error reports (never the values: they may be secret)."""
    if isinstance(event, dict):
        return sorted(str(key) for key in event)
    return []


def scheduled_input(event: dict[str, Any]) -> dict[str, Any] | None:
    """The command or task an EventBridge / Scheduler envelope carries in ``detail``.

    ``detail`` is an object for EventBridge rules and may be a JSON string for EventBridge
    Scheduler. Returns ``None`` when it carries neither a ``command`` nor a ``task``.
    """
    detail = event.get("detail")
    if isinstance(detail, str):
        try:
            detail = json.loads(detail) if detail.strip() else {}
        except ValueError:
            return None
    if isinstance(detail, dict) and ("command" in detail or "task" in detail):
        return detail
    return None
