"""Task backends: the local thread, and the async Lambda invoke of the worker function."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from django.tasks import task
from django.tasks.base import TaskResultStatus
from django.tasks.exceptions import InvalidTask
from django.tasks.signals import task_enqueued

from parakeet.task_backends import (
    MAX_PAYLOAD_BYTES,
    LambdaInvokeBackend,
    TaskEnqueueError,
    ThreadBackend,
)
from parakeet.tests import lambda_tasks

WORKER = "arn:aws:lambda:ap-southeast-2:123456789012:function:parakeet-dev-worker:live"

_thread_results: list[str] = []
_thread_done = threading.Event()


@task
def note_on_trade(trade_id: int, note: str) -> str:
    """A run-row style task: takes an id, reads and updates the row."""
    from trades.models import Trade

    trade = Trade.objects.get(pk=trade_id)
    trade.notes = note
    trade.save(update_fields=["notes"])
    return trade.trade_id


@task
def remember(value: str) -> None:
    _thread_results.append(value)
    _thread_done.set()


@task(takes_context=True)
def with_context(context, value: int) -> int:
    return value


@task(priority=5)
def urgent() -> None:
    return None


def accepted():
    return {"StatusCode": 202, "Payload": StreamingBody(io.BytesIO(b""), 0)}


@pytest.fixture
def lambda_client(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("lambda", region_name="ap-southeast-2")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def backend(lambda_client, settings):
    settings.PARAKEET_WORKER_FUNCTION = WORKER
    client, _ = lambda_client
    backend = LambdaInvokeBackend("default", {})
    backend.client = client
    return backend


def expect_invoke(stubber, payload: bytes, function: str = WORKER) -> None:
    stubber.add_response(
        "invoke",
        accepted(),
        {"FunctionName": function, "InvocationType": "Event", "Payload": payload},
    )


# --- LambdaInvokeBackend ----------------------------------------------------------------------


def test_enqueue_is_an_async_invoke_of_the_worker_with_the_task_event(backend, lambda_client):
    _, stubber = lambda_client
    expect_invoke(
        stubber,
        b'{"task":"parakeet.tests.lambda_tasks.add","args":[2,3],"kwargs":{"times":2}}',
    )
    before = datetime.now(UTC)

    result = backend.enqueue(lambda_tasks.add, (2, 3), {"times": 2})

    assert result.status == TaskResultStatus.READY
    assert result.backend == "default"
    assert result.args == [2, 3]
    assert result.kwargs == {"times": 2}
    assert len(result.id) == 32
    assert result.enqueued_at is not None
    assert result.enqueued_at >= before
    assert not result.is_finished


def test_the_worker_function_can_come_from_options(lambda_client, settings):
    settings.PARAKEET_WORKER_FUNCTION = "ignored"
    client, stubber = lambda_client
    backend = LambdaInvokeBackend("lambda", {"OPTIONS": {"FUNCTION_NAME": "parakeet-dev-worker"}})
    backend.client = client
    expect_invoke(
        stubber,
        b'{"task":"parakeet.tests.lambda_tasks.add","args":[1,1],"kwargs":{}}',
        function="parakeet-dev-worker",
    )

    assert backend.enqueue(lambda_tasks.add, [1, 1], {}).backend == "lambda"


def test_enqueue_sends_the_task_enqueued_signal(backend, lambda_client):
    _, stubber = lambda_client
    expect_invoke(stubber, b'{"task":"parakeet.tests.lambda_tasks.explode","args":[],"kwargs":{}}')
    seen = []

    def receiver(sender, task_result, **kwargs):
        seen.append(task_result.task.module_path)

    task_enqueued.connect(receiver)
    try:
        backend.enqueue(lambda_tasks.explode, [], {})
    finally:
        task_enqueued.disconnect(receiver)

    assert seen == ["parakeet.tests.lambda_tasks.explode"]


def test_async_tasks_and_aenqueue_are_supported(backend, lambda_client):
    _, stubber = lambda_client
    expect_invoke(
        stubber,
        b'{"task":"parakeet.tests.lambda_tasks.async_greeting","args":["x"],"kwargs":{}}',
    )

    result = asyncio.run(backend.aenqueue(lambda_tasks.async_greeting, ["x"], {}))

    assert result.status == TaskResultStatus.READY


def test_a_payload_over_256_kb_is_refused_before_invoking(backend):
    big = "x" * MAX_PAYLOAD_BYTES

    with pytest.raises(InvalidTask, match=r"over Lambda's 262,144-byte limit.*Pass ids"):
        backend.enqueue(lambda_tasks.add, [big, ""], {})


def test_a_payload_just_under_the_limit_goes(backend, lambda_client):
    _, stubber = lambda_client
    envelope = len(b'{"task":"parakeet.tests.lambda_tasks.add","args":["",""],"kwargs":{}}')
    filler = "y" * (MAX_PAYLOAD_BYTES - envelope)
    payload = json.dumps(
        {"task": "parakeet.tests.lambda_tasks.add", "args": [filler, ""], "kwargs": {}},
        separators=(",", ":"),
    ).encode()
    assert len(payload) == MAX_PAYLOAD_BYTES
    expect_invoke(stubber, payload)

    backend.enqueue(lambda_tasks.add, [filler, ""], {})


def test_tasks_taking_a_context_are_refused(backend):
    with pytest.raises(InvalidTask, match="can't run tasks that take a context"):
        backend.enqueue(with_context, [1], {})


def test_priorities_are_not_supported(backend):
    with pytest.raises(InvalidTask, match="priority"):
        backend.enqueue(urgent, [], {})


def test_no_worker_function_is_a_clear_error(lambda_client, settings):
    settings.PARAKEET_WORKER_FUNCTION = ""
    backend = LambdaInvokeBackend("default", {})
    backend.client = lambda_client[0]

    with pytest.raises(TaskEnqueueError, match="PARAKEET_WORKER_FUNCTION is not set"):
        backend.enqueue(lambda_tasks.add, [1, 2], {})


def test_an_invoke_error_is_a_task_enqueue_error(backend, lambda_client):
    _, stubber = lambda_client
    stubber.add_client_error(
        "invoke", service_error_code="TooManyRequestsException", http_status_code=429
    )

    with pytest.raises(TaskEnqueueError, match="TooManyRequestsException") as caught:
        backend.enqueue(lambda_tasks.add, [1, 2], {})
    assert isinstance(caught.value.__cause__, ClientError)


def test_a_non_202_answer_is_a_task_enqueue_error(backend, lambda_client):
    _, stubber = lambda_client
    stubber.add_response("invoke", {"StatusCode": 200})

    with pytest.raises(TaskEnqueueError, match="answered 200"):
        backend.enqueue(lambda_tasks.add, [1, 2], {})


def test_the_backend_loads_by_dotted_path_as_settings_would_name_it(settings):
    from django.utils.module_loading import import_string

    backend_class = import_string("parakeet.task_backends.LambdaInvokeBackend")
    backend = backend_class("default", {"OPTIONS": {"REGION": "ap-southeast-2"}})

    assert backend.client.meta.region_name == "ap-southeast-2"
    assert backend.supports_async_task
    assert not backend.supports_get_result


# --- the worker side ---------------------------------------------------------------------------


def captured_payload(backend, lambda_client, task_obj, args, kwargs) -> dict[str, Any]:
    """Enqueue through the stub and return the event the worker would receive."""
    client, stubber = lambda_client
    sent: list[bytes] = []

    def capture(params, **kwargs):
        sent.append(params["Payload"])

    client.meta.events.register("provide-client-params.lambda.Invoke", capture)
    stubber.add_response("invoke", accepted())
    backend.enqueue(task_obj, args, kwargs)
    return json.loads(sent[0])


@pytest.mark.django_db(transaction=True)  # the handler recycles connections around a task
def test_the_worker_handler_runs_what_the_backend_sends(backend, lambda_client):
    from parakeet.lambda_handler import handler

    event = captured_payload(backend, lambda_client, lambda_tasks.add, [2, 3], {"times": 2})

    result = handler(event, None)

    assert result["status"] == "succeeded"
    assert result["result"] == 10


@pytest.mark.django_db(transaction=True)
def test_the_worker_updates_the_run_row_named_by_id(backend, lambda_client):
    from parakeet.lambda_handler import handler
    from trades.tests.factories import make_trade

    trade = make_trade(trade_id="TASK-1")
    event = captured_payload(
        backend, lambda_client, note_on_trade, [trade.pk, "from the worker"], {}
    )

    assert event == {
        "task": "parakeet.tests.test_task_backends.note_on_trade",
        "args": [trade.pk, "from the worker"],
        "kwargs": {},
    }
    result = handler(event, None)

    assert result["status"] == "succeeded"
    assert result["result"] == "TASK-1"
    trade.refresh_from_db()
    assert trade.notes == "from the worker"


# --- ThreadBackend -----------------------------------------------------------------------------


def test_thread_backend_still_runs_tasks_in_the_background():
    _thread_results.clear()
    _thread_done.clear()
    backend = ThreadBackend("default", {})

    result = backend.enqueue(remember, ["hello"], {})

    assert _thread_done.wait(5)
    assert _thread_results == ["hello"]
    assert result.backend == "default"
