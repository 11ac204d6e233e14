"""Background tasks of the strategies app (``django.tasks``).

The task takes the run's ``backtest_id`` only (JSON-serialisable, so any backend can carry
it, including the Lambda async invoke ``{"task": "strategies.tasks.run_backtest_task", ...}``);
the row holds everything else. The run row, not the backend's result, is the record of the
outcome: :func:`strategies.services.execute_backtest` never raises for a failed run.
"""

from __future__ import annotations

from django.tasks import task

from strategies import services


@task
def run_backtest_task(backtest_id: str) -> str:
    run = services.execute_backtest(backtest_id=backtest_id)
    return str(run.status)
