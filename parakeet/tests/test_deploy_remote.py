"""``invoke`` and ``manage``: exact Lambda requests (botocore Stubber) and how answers print."""

from __future__ import annotations

import base64
import io
import json
from typing import Any, cast

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from django.core.management import call_command
from django.core.management.base import CommandError

from parakeet.deploy import aws as aws_module
from parakeet.deploy.remote import (
    InvokeResult,
    LambdaInvoker,
    command_outcome,
    run_remote_command,
)

REGION = "ap-southeast-2"


def invoke_response(payload, *, log: str = "", function_error: str | None = None):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = {
        "StatusCode": 200,
        "Payload": StreamingBody(io.BytesIO(data), len(data)),
        "ExecutedVersion": "7",
    }
    if log:
        response["LogResult"] = base64.b64encode(log.encode()).decode()
    if function_error:
        response["FunctionError"] = function_error
    return response


def expected(function: str, payload: bytes, qualifier: str | None = "live") -> dict[str, Any]:
    params = {
        "FunctionName": function,
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "Payload": payload,
    }
    if qualifier:
        params["Qualifier"] = qualifier
    return params


@pytest.fixture
def lambda_client(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("lambda", region_name=REGION)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def stubbed(lambda_client, monkeypatch):
    client, stubber = lambda_client
    seen: list[dict[str, Any]] = []

    def make_clients(region=None, endpoint_url=None):
        seen.append({"region": region, "endpoint_url": endpoint_url})
        return aws_module.AwsClients(
            s3=cast(Any, None), lambda_=client, logs=cast(Any, None), invoker=LambdaInvoker(client)
        )

    monkeypatch.setattr(aws_module, "make_clients", make_clients)
    stubber.make_clients_calls = seen
    return stubber


# --- the invoker -------------------------------------------------------------------------------


def test_invoker_sends_request_response_with_log_tail_and_decodes_the_answer(lambda_client):
    client, stubber = lambda_client
    stubber.add_response(
        "invoke",
        invoke_response({"ok": True}, log="START RequestId: 1\nEND\n"),
        expected("parakeet-dev-trades", b'{"warmer":true}', qualifier="12"),
    )

    result = LambdaInvoker(client).invoke("parakeet-dev-trades", {"warmer": True}, qualifier="12")

    assert result == InvokeResult(
        status_code=200,
        payload={"ok": True},
        function_error=None,
        log_tail="START RequestId: 1\nEND\n",
        executed_version="7",
    )


def test_invoker_without_qualifier_sends_none(lambda_client):
    client, stubber = lambda_client
    stubber.add_response(
        "invoke", invoke_response(b"not json"), expected("f", b"{}", qualifier=None)
    )

    assert LambdaInvoker(client).invoke("f", {}).payload == "not json"


def test_command_outcome_reads_the_handler_answer():
    ok = InvokeResult(200, {"command": "check", "exit_code": 0, "output": "fine\n"})
    failed = InvokeResult(200, {"command": "check", "exit_code": 3, "output": "bad\n"})
    refused = InvokeResult(200, {"exit_code": 2, "output": "", "error": "not allowed"})
    crashed = InvokeResult(200, {"errorMessage": "OOM"}, function_error="Unhandled", log_tail="x")
    strange = InvokeResult(200, {"statusCode": 200})

    assert command_outcome("check", ok).ok
    assert (command_outcome("check", failed).exit_code, command_outcome("check", failed).ok) == (
        3,
        False,
    )
    assert command_outcome("check", refused).error == "not allowed"
    assert command_outcome("check", crashed).exit_code is None
    assert "OOM" in command_outcome("check", crashed).output
    assert "no exit_code" in (command_outcome("check", strange).error or "")


def test_run_remote_command_sends_the_command_event(lambda_client):
    client, stubber = lambda_client
    stubber.add_response(
        "invoke",
        invoke_response({"command": "showmigrations", "exit_code": 0, "output": "[X] 0001\n"}),
        expected(
            "parakeet-dev-ingest",
            b'{"command":"showmigrations","args":["trades","--plan"]}',
            qualifier="5",
        ),
    )

    outcome = run_remote_command(
        LambdaInvoker(client),
        "parakeet-dev-ingest",
        "showmigrations",
        ["trades", "--plan"],
        qualifier="5",
    )

    assert outcome.output == "[X] 0001\n"


# --- invoke ------------------------------------------------------------------------------------


def test_invoke_with_a_raw_event_prints_the_response(stubbed):
    stubbed.add_response(
        "invoke",
        invoke_response({"warmer": True}),
        expected("parakeet-dev-trades", b'{"warmer":true}'),
    )
    out = io.StringIO()

    call_command(
        "invoke",
        "--stage",
        "dev",
        "--function",
        "trades",
        "--event",
        '{"warmer": true}',
        stdout=out,
    )

    assert json.loads(out.getvalue()) == {"warmer": True}


def test_invoke_with_an_event_file_and_a_qualifier(stubbed, tmp_path):
    event = {"task": "strategies.tasks.run_backtest", "args": [42], "kwargs": {}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    stubbed.add_response(
        "invoke",
        invoke_response({"status": "succeeded"}),
        expected("parakeet-prod-worker", json.dumps(event, separators=(",", ":")).encode(), "9"),
    )
    out = io.StringIO()

    call_command(
        "invoke",
        "--stage",
        "prod",
        "--function",
        "worker",
        "--qualifier",
        "9",
        "--event-file",
        str(path),
        "--region",
        "us-east-1",
        stdout=out,
    )

    assert json.loads(out.getvalue()) == {"status": "succeeded"}
    assert stubbed.make_clients_calls == [{"region": "us-east-1", "endpoint_url": None}]


def test_invoke_with_a_command_takes_the_rest_of_the_line_as_its_args(stubbed):
    stubbed.add_response(
        "invoke",
        invoke_response({"command": "check", "exit_code": 0, "output": "ok"}),
        expected(
            "parakeet-dev-ingest",
            b'{"command":"check","args":["--deploy","--fail-level","ERROR"]}',
        ),
    )
    out = io.StringIO()

    call_command(
        "invoke",
        "--stage",
        "dev",
        "--function",
        "ingest",
        "--command",
        "check",
        "--deploy",
        "--fail-level",
        "ERROR",
        stdout=out,
    )

    assert json.loads(out.getvalue())["exit_code"] == 0


def test_invoke_reports_a_function_error(stubbed):
    stubbed.add_response(
        "invoke",
        invoke_response({"errorMessage": "boom"}, log="Traceback...", function_error="Unhandled"),
        expected("parakeet-dev-trades", b"{}"),
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"parakeet-dev-trades:live failed \(Unhandled\)"):
        call_command(
            "invoke",
            "--stage",
            "dev",
            "--function",
            "trades",
            "--event",
            "{}",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "Traceback..." in err.getvalue()


def test_invoke_refuses_bad_json(stubbed):
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command(
            "invoke", "--stage", "dev", "--function", "trades", "--event", "{", stdout=io.StringIO()
        )


# --- manage ------------------------------------------------------------------------------------


def test_manage_prints_the_real_output_and_exits_0(stubbed):
    stubbed.add_response(
        "invoke",
        invoke_response(
            {
                "command": "migrate",
                "exit_code": 0,
                "output": (
                    "Operations to perform:\n  Apply all migrations\nNo migrations to apply.\n"
                ),
            }
        ),
        expected("parakeet-dev-ingest", b'{"command":"migrate","args":["--no-input"]}'),
    )
    out = io.StringIO()

    call_command("manage", "dev", "migrate", "--no-input", stdout=out)

    assert out.getvalue() == (
        "Operations to perform:\n  Apply all migrations\nNo migrations to apply.\n"
    )


def test_manage_exits_with_the_remote_exit_code(stubbed):
    stubbed.add_response(
        "invoke",
        invoke_response(
            {"command": "check", "exit_code": 1, "output": "CommandError: no such tag\n"}
        ),
        expected("parakeet-dev-worker", b'{"command":"check","args":["--tag","x"]}', "3"),
    )
    out = io.StringIO()

    with pytest.raises(SystemExit) as caught:
        call_command(
            "manage",
            "--function",
            "worker",
            "--qualifier",
            "3",
            "dev",
            "check",
            "--tag",
            "x",
            stdout=out,
        )

    assert caught.value.code == 1
    assert out.getvalue() == "CommandError: no such tag\n"


def test_manage_reports_a_refused_command_on_stderr(stubbed):
    stubbed.add_response(
        "invoke",
        invoke_response({"command": "flush", "exit_code": 2, "output": "", "error": "not allowed"}),
        expected("parakeet-dev-ingest", b'{"command":"flush","args":[]}'),
    )
    err = io.StringIO()

    with pytest.raises(SystemExit) as caught:
        call_command("manage", "dev", "flush", stdout=io.StringIO(), stderr=err)

    assert caught.value.code == 2
    assert "parakeet-dev-ingest:live: not allowed" in err.getvalue()


def test_manage_exits_1_when_the_function_itself_failed(stubbed):
    stubbed.add_response(
        "invoke",
        invoke_response({"errorMessage": "Task timed out"}, function_error="Unhandled"),
        expected("parakeet-dev-ingest", b'{"command":"ingest","args":[]}'),
    )
    err = io.StringIO()

    with pytest.raises(SystemExit) as caught:
        call_command("manage", "dev", "ingest", stdout=io.StringIO(), stderr=err)

    assert caught.value.code == 1
    assert "the function failed (Unhandled)" in err.getvalue()


def test_manage_argv_keeps_dashed_args_for_the_remote_command():
    """``manage.py manage dev migrate --no-input -v 2``: everything after the command is its."""
    from parakeet.management.commands.manage import Command

    parser = Command().create_parser("manage.py", "manage")

    options = parser.parse_args(["dev", "migrate", "--no-input", "-v", "2"])

    assert (options.stage, options.remote_command) == ("dev", "migrate")
    assert options.remote_args == ["--no-input", "-v", "2"]
    assert options.verbosity == 1  # -v 2 went to the remote command, not to this one
