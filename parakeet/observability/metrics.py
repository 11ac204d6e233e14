"""CloudWatch metrics (Embedded Metric Format, namespace ``Parakeet``) through Powertools.

Code records metrics with the ``record_*`` functions wherever it is; inside an invocation
they are buffered and :func:`invocation_metrics` flushes them when the invocation ends, as one
EMF document (one JSON line on stdout, one directive per dimension set; CloudWatch turns it
into metrics) unless two dimension sets disagree on a value, which needs a second document. Outside
an invocation: on Lambda a metric is flushed at once, elsewhere (laptop, tests) it is dropped.

| metric | unit | dimensions |
|---|---|---|
| ``Requests``, ``RequestLatency`` | Count, Milliseconds | function, route, status (``2xx``...) |
| ``Errors`` | Count | function, kind (``http``, ``command``, ``task``, ``handler``) |
| ``ColdStart`` | Count | function |
| ``CommandDuration`` | Milliseconds | function, command, outcome (``ok``/``failed``) |
| ``TaskDuration`` | Milliseconds | function, task, outcome |
| ``Ingest*`` (see :func:`record_ingest`) | Count, Milliseconds | function, source |

Every document also carries Powertools' ``service`` dimension.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from parakeet.observability.runtime import function_name as env_function_name
from parakeet.observability.runtime import on_lambda, service_name

NAMESPACE = "Parakeet"
COUNT = "Count"
MILLISECONDS = "Milliseconds"

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MetricPoint:
    name: str
    unit: str
    value: float
    dimensions: Dimensions


@dataclass
class Invocation:
    function_name: str
    request_id: str
    cold_start: bool
    points: list[MetricPoint] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, point: MetricPoint) -> None:
        with self.lock:
            self.points.append(point)

    def drain(self) -> list[MetricPoint]:
        with self.lock:
            points, self.points = self.points, []
        return points


_current: ContextVar[Invocation | None] = ContextVar("parakeet_invocation", default=None)
_cold_start = True
_cold_start_lock = threading.Lock()


def current_invocation() -> Invocation | None:
    return _current.get()


def _take_cold_start() -> bool:
    global _cold_start
    with _cold_start_lock:
        cold, _cold_start = _cold_start, False
    return cold


def reset_cold_start() -> None:
    """Make the next invocation a cold start again (tests; SnapStart restore hooks)."""
    global _cold_start
    with _cold_start_lock:
        _cold_start = True


# --- recording -------------------------------------------------------------------------------


def record_metric(name: str, unit: str, value: float, **dimensions: str) -> None:
    """Record one value; the ``function`` dimension is added from the invocation."""
    invocation = _current.get()
    function = invocation.function_name if invocation else env_function_name()
    dims = {"function": function or "local", **{k: str(v) for k, v in dimensions.items()}}
    point = MetricPoint(name, unit, float(value), tuple(sorted(dims.items())))
    if invocation is not None:
        invocation.add(point)
    elif on_lambda():
        emit([point])


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def record_request(route: str, status: int, duration_ms: float) -> None:
    dims = {"route": route, "status": status_class(status)}
    record_metric("Requests", COUNT, 1, **dims)
    record_metric("RequestLatency", MILLISECONDS, duration_ms, **dims)
    if status >= 500:
        record_error("http")


def record_error(kind: str) -> None:
    record_metric("Errors", COUNT, 1, kind=kind)


def record_command(command: str, duration_ms: float, *, exit_code: int) -> None:
    outcome = "ok" if exit_code == 0 else "failed"
    record_metric("CommandDuration", MILLISECONDS, duration_ms, command=command, outcome=outcome)
    if exit_code != 0:
        record_error("command")


def record_task(task: str, duration_ms: float | None, *, succeeded: bool) -> None:
    outcome = "ok" if succeeded else "failed"
    if duration_ms is not None:
        record_metric("TaskDuration", MILLISECONDS, duration_ms, task=task, outcome=outcome)
    if not succeeded:
        record_error("task")


def record_ingest(
    *,
    source: str,
    requested: int = 0,
    succeeded: int = 0,
    failed: int = 0,
    rows_inserted: int = 0,
    rows_updated: int = 0,
    rows_unchanged: int = 0,
    rows_rejected: int = 0,
    duration_ms: float | None = None,
) -> None:
    """What one ingest run (or one source's share of it) did; call it once per source."""
    counts = {
        "IngestSymbolsRequested": requested,
        "IngestSymbolsSucceeded": succeeded,
        "IngestSymbolsFailed": failed,
        "IngestRowsInserted": rows_inserted,
        "IngestRowsUpdated": rows_updated,
        "IngestRowsUnchanged": rows_unchanged,
        "IngestRowsRejected": rows_rejected,
    }
    for name, value in counts.items():
        record_metric(name, COUNT, value, source=source)
    if duration_ms is not None:
        record_metric("IngestDuration", MILLISECONDS, duration_ms, source=source)


# --- flushing --------------------------------------------------------------------------------


MAX_METRICS_PER_DOCUMENT = 100  # CloudWatch's limit for one EMF log event


def emit(points: list[MetricPoint]) -> None:
    """Print the points as EMF: one JSON line for an invocation's metrics where EMF allows it.

    Powertools validates and serialises one metric set per dimension set; the sets are then
    merged into one document (one ``CloudWatchMetrics`` directive each) as long as their
    dimension values agree. Two sets that give one dimension different values (an ingest
    recording ``source=tiingo`` and ``source=yahoo``) go into separate documents.
    """
    from aws_lambda_powertools.metrics import EphemeralMetrics
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():
        return
    groups: dict[Dimensions, list[MetricPoint]] = {}
    for point in points:
        groups.setdefault(point.dimensions, []).append(point)
    documents: list[dict[str, Any]] = []
    for dimensions, group in groups.items():
        metrics = EphemeralMetrics(namespace=NAMESPACE, service=service_name())
        for name, value in dimensions:
            metrics.add_dimension(name=name, value=value)
        for point in group:
            metrics.add_metric(name=point.name, unit=point.unit, value=point.value)
        serialised = dict(metrics.serialize_metric_set())
        if not any(_merge_into(document, serialised) for document in documents):
            documents.append(serialised)
    for document in documents:
        print(json.dumps(document, separators=(",", ":")))


def _merge_into(document: dict[str, Any], metric_set: dict[str, Any]) -> bool:
    """Add ``metric_set``'s directive and values to ``document`` if no key disagrees."""
    directives = document["_aws"]["CloudWatchMetrics"]
    incoming = metric_set["_aws"]["CloudWatchMetrics"]
    metric_count = sum(len(d["Metrics"]) for d in [*directives, *incoming])
    if metric_count > MAX_METRICS_PER_DOCUMENT:
        return False
    values = {key: value for key, value in metric_set.items() if key != "_aws"}
    if any(key in document and document[key] != value for key, value in values.items()):
        return False
    metric_names = {m["Name"] for d in incoming for m in d["Metrics"]}
    if metric_names & document.keys():
        return False
    directives.extend(incoming)
    document.update(values)
    return True


@contextmanager
def invocation_metrics(context: Any = None) -> Iterator[Invocation]:
    """Collect the metrics (and log context) of one invocation; flush them at the end.

    Records ``ColdStart`` on a container's first invocation and ``Errors{kind=handler}`` if
    the body raises (the exception propagates).
    """
    invocation = Invocation(
        function_name=str(getattr(context, "function_name", "") or env_function_name() or "local"),
        request_id=str(getattr(context, "aws_request_id", "") or uuid.uuid4()),
        cold_start=_take_cold_start(),
    )
    token = _current.set(invocation)
    try:
        if invocation.cold_start:
            record_metric("ColdStart", COUNT, 1)
        yield invocation
    except BaseException:
        record_error("handler")
        raise
    finally:
        _current.reset(token)
        points = invocation.drain()
        if points:
            emit(points)


def record_result(event: Any, result: Any) -> None:
    """Metrics from what the handler answered to a command or task event."""
    if not isinstance(result, Mapping):
        return
    if isinstance(event, Mapping) and "command" in event and "exit_code" in result:
        duration = result.get("duration_ms")
        if isinstance(duration, int | float):
            record_command(str(result.get("command")), duration, exit_code=int(result["exit_code"]))
        elif result["exit_code"] != 0:
            record_error("command")
    elif "task" in result and "status" in result:
        duration = result.get("duration_ms")
        record_task(
            str(result.get("task")),
            duration if isinstance(duration, int | float) else None,
            succeeded=result["status"] == "succeeded",
        )
    elif "error" in result and "statusCode" not in result:
        record_error("handler")


def instrument_handler[R](handler: Callable[[Any, Any], R]) -> Callable[[Any, Any], R]:
    """Wrap the Lambda entry point: one :func:`invocation_metrics` per call, plus command,
    task and error metrics from the result."""

    def instrumented(event: Any, context: Any) -> R:
        if _current.get() is not None:  # wrapped twice: the outer wrapper measures
            return handler(event, context)
        with invocation_metrics(context):
            result = handler(event, context)
            record_result(event, result)
            return result

    instrumented.__name__ = getattr(handler, "__name__", "handler")
    instrumented.__doc__ = handler.__doc__
    instrumented.__wrapped__ = handler  # type: ignore[attr-defined]
    return instrumented
