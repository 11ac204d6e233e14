"""The one Lambda entry point: ``parakeet.lambda_handler.handler`` for every function.

A dispatch table maps each event kind (see :mod:`parakeet.lambda_runtime.events`) to one
function; ``handler`` is :func:`dispatch` wrapped by
:func:`parakeet.observability.metrics.instrument_handler` (one EMF flush per invocation).
Django, the URLconf and its views load at import time, outside ``handler``, so SnapStart
snapshots them and a cold start pays nothing for them on the first request. ``handler``
never raises: an event it cannot handle gets an ``{"error": ...}`` object back and
is logged, and the container keeps serving.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parakeet.settings")
django.setup(set_prefix=False)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from parakeet import snapstart  # noqa: E402
from parakeet.lambda_runtime.commands import run_command_event  # noqa: E402
from parakeet.lambda_runtime.events import (  # noqa: E402
    EventKind,
    event_keys,
    event_kind,
    scheduled_input,
)
from parakeet.lambda_runtime.http import make_http_handler, wrap_for_lambda  # noqa: E402
from parakeet.lambda_runtime.tasks import run_task_event  # noqa: E402
from parakeet.observability.metrics import instrument_handler, reset_cold_start  # noqa: E402
from parakeet.request_context import new_request_id, set_request_id  # noqa: E402

logger = logging.getLogger("parakeet.lambda")

Result = dict[str, Any]
EventHandler = Callable[[Any, Any], Result]


def load_urlconf() -> None:
    """Import ``ROOT_URLCONF`` and every view it names, and compile the patterns."""
    resolver = get_resolver()
    _ = resolver.reverse_dict


application = wrap_for_lambda(get_wsgi_application())
load_urlconf()
snapstart.install()
handle_http = make_http_handler(application)


def with_fresh_connections(run: Callable[[dict[str, Any]], Result]) -> Callable[..., Result]:
    """Drop unusable or expired DB connections around a command or task, as requests do."""

    def invoke(event: dict[str, Any], context: Any = None) -> Result:
        close_old_connections()
        try:
            return run(event)
        finally:
            close_old_connections()

    return invoke


handle_command = with_fresh_connections(run_command_event)
handle_task = with_fresh_connections(run_task_event)


def handle_warmer(event: Any, context: Any) -> Result:
    return {"warmer": True}


def handle_scheduled(event: dict[str, Any], context: Any) -> Result:
    payload = scheduled_input(event)
    if payload is None:
        return unknown_event(
            event,
            context,
            reason=(
                f"EventBridge event ({event.get('source')!r}, {event.get('detail-type')!r}) "
                "carries no command or task: give the rule or schedule an input like "
                '{"command": "ingest", "args": [...]}'
            ),
        )
    if "command" in payload:
        return handle_command(payload, context)
    return handle_task(payload, context)


def unknown_event(event: Any, context: Any, reason: str | None = None) -> Result:
    reason = reason or (
        "unrecognised event: expected an API Gateway/ALB request, "
        '{"command": ...}, {"task": ...}, {"warmer": true} or an EventBridge event'
    )
    keys = event_keys(event)
    logger.error("%s (event type %s, keys %s)", reason, type(event).__name__, keys)
    return {"error": reason, "event_keys": keys}


HANDLERS: dict[EventKind, EventHandler] = {
    EventKind.HTTP: handle_http,
    EventKind.WARMER: handle_warmer,
    EventKind.COMMAND: handle_command,
    EventKind.TASK: handle_task,
    EventKind.SCHEDULED: handle_scheduled,
    EventKind.UNKNOWN: unknown_event,
}


def dispatch(event: Any, context: Any) -> Result:
    """Run the event's function from :data:`HANDLERS`; never raises."""
    # Log lines of non-HTTP invocations carry Lambda's request id (HTTP requests get their own).
    set_request_id(new_request_id(getattr(context, "aws_request_id", None)))
    kind = event_kind(event)
    try:
        return HANDLERS[kind](event, context)
    except Exception as exc:
        logger.exception("Unhandled error for a %s event", kind)
        return {
            "error": f"{type(exc).__name__} while handling a {kind} event",
            "event_keys": event_keys(event),
        }


# The entry point Lambda calls: ``dispatch`` with the invocation's metrics (EMF) flushed at
# its end; a SnapStart restore makes the next invocation a cold start again.
snapstart.on_restore(reset_cold_start)
handler = instrument_handler(dispatch)
