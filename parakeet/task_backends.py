"""``django.tasks`` backends: a background thread locally (the request returns at once)."""

from __future__ import annotations

import threading
from typing import Any

from django.db import close_old_connections
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import Task, TaskResult, TaskResultStatus
from django.utils.crypto import get_random_string


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
