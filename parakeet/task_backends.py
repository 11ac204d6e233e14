"""``django.tasks`` backends: a background thread locally, an async Lambda invoke in AWS.

Either way the request returns at once. The run rows (``BacktestRun``, ``ScanRun``, ...) hold
status and results; these backends only start the work.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import close_old_connections
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import Task, TaskResult, TaskResultStatus
from django.tasks.exceptions import InvalidTask
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.crypto import get_random_string

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class ThreadBackend(ImmediateBackend):
    """Runs each task on a daemon thread of this process.

    The run rows (not this backend) hold status and results, so a process exit mid-task
    leaves the run visibly ``running`` with its start time.
    """

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any, Any]:
        self.validate_task(task)
        task_result: TaskResult[Any, Any] = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )

        def run() -> None:
            try:
                self._execute_task(task_result)  # type: ignore[attr-defined]
            finally:
                close_old_connections()

        threading.Thread(target=run, name=f"task-{task.name}", daemon=True).start()
        return task_result


# Lambda's limit for an asynchronous invocation's payload.
MAX_PAYLOAD_BYTES = 256 * 1024


class TaskEnqueueError(Exception):
    """The task could not be handed to the worker function (nothing will run it)."""


def task_payload(task: Task[Any, Any], args: Any, kwargs: Any) -> bytes:
    """The worker's event: ``{"task": "<dotted path>", "args": [...], "kwargs": {...}}``."""
    body = {"task": task.module_path, "args": args, "kwargs": kwargs}
    try:
        payload = json.dumps(body, separators=(",", ":")).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidTask(f"{task.module_path}: arguments must be JSON: {exc}") from None
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidTask(
            f"{task.module_path}: the task payload is {len(payload):,} bytes, over Lambda's "
            f"{MAX_PAYLOAD_BYTES:,}-byte limit for async invokes. Pass ids (e.g. a run id) and "
            "let the task read the data, not the data itself."
        )
    return payload


class LambdaInvokeBackend(BaseTaskBackend):
    """Each task is one asynchronous (``Event``) invoke of the worker function.

    ``OPTIONS``: ``FUNCTION_NAME`` (default ``settings.PARAKEET_WORKER_FUNCTION``: the worker's
    ``live`` alias, e.g. ``parakeet-prod-worker:live`` or its ARN) and ``REGION``. Lambda retries
    a failed async invocation twice; the task reads and updates its run row, so it must be
    safe to run again. No result store: ``get_result`` is unsupported, the run row is the result.
    """

    supports_async_task = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self._client: LambdaClient | None = None
        self._lock = threading.Lock()

    @property
    def function_name(self) -> str:
        name = self.options.get("FUNCTION_NAME") or getattr(
            settings, "PARAKEET_WORKER_FUNCTION", ""
        )
        if not name:
            raise TaskEnqueueError(
                "PARAKEET_WORKER_FUNCTION is not set: the Lambda task backend needs the worker "
                "function's name or alias ARN."
            )
        return str(name)

    @property
    def client(self) -> LambdaClient:
        with self._lock:
            if self._client is None:
                import boto3

                region = self.options.get("REGION") or None
                self._client = boto3.client("lambda", region_name=region)
            return self._client

    @client.setter
    def client(self, value: LambdaClient) -> None:
        self._client = value

    def validate_task(self, task: Task[Any, Any]) -> None:
        super().validate_task(task)
        if task.takes_context:
            raise InvalidTask(
                f"{task.module_path}: the worker can't run tasks that take a context."
            )

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any, Any]:
        self.validate_task(task)
        task_result: TaskResult[Any, Any] = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        payload = task_payload(task, task_result.args, task_result.kwargs)
        function_name = self.function_name
        try:
            response = self.client.invoke(
                FunctionName=function_name, InvocationType="Event", Payload=payload
            )
        except Exception as exc:
            raise TaskEnqueueError(
                f"{task.module_path}: invoking {function_name} failed: {type(exc).__name__}: {exc}"
            ) from exc
        status = response.get("StatusCode")
        if status != 202:
            raise TaskEnqueueError(
                f"{task.module_path}: {function_name} answered {status} to an async invoke, not 202"
            )
        object.__setattr__(task_result, "enqueued_at", timezone.now())
        task_enqueued.send(type(self), task_result=task_result)
        return task_result
