"""``django.tasks`` tasks run by event: ``{"task": "<dotted path>", "args": [], "kwargs": {}}``.

The dotted path names a module attribute that must be a :class:`django.tasks.Task` (made by
``@task``); plain functions are refused, so an event can only run what was declared a task.
This is what the worker Lambda receives from the async-invoke task backend.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from typing import Any

from django.tasks import Task

logger = logging.getLogger("parakeet.lambda")


class TaskLookupError(Exception):
    pass


def resolve_task(path: str) -> Task[Any, Any]:
    module_path, _, attribute = path.rpartition(".")
    if not module_path or not attribute:
        raise TaskLookupError(f"task {path!r} is not a dotted path like 'app.tasks.name'")
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise TaskLookupError(f"task {path!r}: cannot import {module_path!r} ({exc})") from None
    candidate = getattr(module, attribute, None)
    if not isinstance(candidate, Task):
        raise TaskLookupError(f"task {path!r} is not a django.tasks.Task")
    if candidate.takes_context:
        raise TaskLookupError(f"task {path!r} takes a context; it cannot be run by event")
    return candidate


def run_task_event(event: dict[str, Any]) -> dict[str, Any]:
    """Run the task an event names; never raises (failures come back as ``status: failed``)."""
    path = event.get("task")
    args = event.get("args", [])
    kwargs = event.get("kwargs", {})
    if not isinstance(path, str) or not path:
        return _failed(path, "`task` must be a non-empty dotted path")
    if not isinstance(args, list):
        return _failed(path, "`args` must be a list")
    if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
        return _failed(path, "`kwargs` must be an object")
    try:
        task = resolve_task(path)
    except TaskLookupError as exc:
        return _failed(path, str(exc))
    started = time.monotonic()
    try:
        result = task.call(*args, **kwargs)
    except Exception as exc:
        logger.exception("Task %s failed", path)
        return _failed(path, f"{type(exc).__name__}: {exc}")
    duration_ms = round((time.monotonic() - started) * 1000)
    logger.info("Task %s succeeded in %d ms", path, duration_ms)
    return {
        "task": path,
        "status": "succeeded",
        "result": _json_safe(result),
        "duration_ms": duration_ms,
    }


def _failed(path: object, reason: str) -> dict[str, Any]:
    logger.warning("Task event %r failed: %s", path, reason)
    return {"task": path, "status": "failed", "error": reason}


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value
