"""Tasks for the Lambda handler tests (the worker receives ``{"task": "<this module>.add"}``)."""

from __future__ import annotations

from django.tasks import task


@task
def add(a: int, b: int, *, times: int = 1) -> int:
    return (a + b) * times


@task
def explode() -> None:
    raise RuntimeError("boom")


@task
async def async_greeting(name: str) -> str:
    return f"hello {name}"


def not_a_task() -> str:
    return "should never run"
