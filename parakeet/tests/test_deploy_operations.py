"""``rollback``, ``status`` and ``tail`` against moto."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parakeet.deploy import aws as aws_module
from parakeet.deploy.config import load_config
from parakeet.deploy.errors import DeployError
from parakeet.deploy.logs import parse_since, tail
from parakeet.deploy.promote import rollback, rollback_target
from parakeet.tests.test_deploy import (
    FUNCTIONS,
    STAGE,
    FakeInvoker,
    alias_targets,
    create_stage,
    mocked_aws,
    zip_bytes,
)


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def stage(monkeypatch, config):
    with mocked_aws(monkeypatch) as aws:
        yield create_stage(aws, config)


def publish_new_version(stage_aws, name: str, marker: str) -> str:
    stage_aws.lambda_.update_function_code(FunctionName=name, ZipFile=zip_bytes(marker))
    return stage_aws.lambda_.publish_version(FunctionName=name)["Version"]


@pytest.fixture
def three_versions(stage, config):
    """Every function at versions 1, 2, 3 with `live` on 3."""
    for key in FUNCTIONS:
        name = config.function_name(STAGE, key)
        publish_new_version(stage, name, f"{key} v2")
        publish_new_version(stage, name, f"{key} v3")
        stage.lambda_.update_alias(FunctionName=name, Name="live", FunctionVersion="3")
    return stage


@pytest.fixture
def clients(stage, monkeypatch):
    def make_clients(region=None, endpoint_url=None):
        return aws_module.AwsClients(
            s3=stage.s3, lambda_=stage.lambda_, logs=stage.logs, invoker=FakeInvoker()
        )

    monkeypatch.setattr(aws_module, "make_clients", make_clients)
    return stage


# --- rollback ----------------------------------------------------------------------------------


def test_rollback_target_is_the_newest_earlier_version():
    assert rollback_target(["1", "2", "3", "10"], "10", None) == "3"
    assert rollback_target(["1", "2", "3"], "3", "1") == "1"
    with pytest.raises(DeployError, match="no published version before 1"):
        rollback_target(["1", "2"], "1", None)
    with pytest.raises(DeployError, match="version 9 does not exist"):
        rollback_target(["1", "2"], "2", "9")
    with pytest.raises(DeployError, match="already points at version 2"):
        rollback_target(["1", "2"], "2", "2")


def test_rollback_moves_live_to_the_previous_version(three_versions, config):
    name = config.function_name(STAGE, "trades")

    move = rollback(three_versions.lambda_, name, "live")

    assert (move.previous, move.current) == ("3", "2")
    assert alias_targets(three_versions, config)["trades"] == "2"
    alias = three_versions.lambda_.get_alias(FunctionName=name, Name="live")
    assert alias["Description"] == "rollback from version 3"


def test_rollback_command_moves_every_function_back(three_versions, clients, config):
    out = io.StringIO()

    call_command("rollback", "--stage", STAGE, stdout=out)

    assert alias_targets(three_versions, config) == dict.fromkeys(FUNCTIONS, "2")
    assert "rollback parakeet-dev-ingest:live: 3 -> 2" in out.getvalue()


def test_rollback_command_to_a_given_version_of_one_function(three_versions, clients, config):
    call_command(
        "rollback", "--stage", STAGE, "--function", "market", "--to", "1", stdout=io.StringIO()
    )

    targets = alias_targets(three_versions, config)
    assert targets["market"] == "1"
    assert targets["trades"] == "3"


def test_rollback_to_needs_exactly_one_function(three_versions, clients):
    with pytest.raises(CommandError, match="--to needs exactly one --function"):
        call_command("rollback", "--stage", STAGE, "--to", "1", stdout=io.StringIO())


def test_rollback_with_nothing_earlier_fails_clearly(stage, clients):
    err = io.StringIO()

    with pytest.raises(CommandError, match="Rollback incomplete"):
        call_command(
            "rollback", "--stage", STAGE, "--function", "trades", stdout=io.StringIO(), stderr=err
        )

    assert "no published version before 1" in err.getvalue()


# --- status ------------------------------------------------------------------------------------


def test_status_shows_alias_targets_versions_and_sizes(three_versions, clients, config):
    trades = config.function_name(STAGE, "trades")
    three_versions.lambda_.update_alias(FunctionName=trades, Name="live", FunctionVersion="2")
    out = io.StringIO()

    call_command("status", "--stage", STAGE, stdout=out)

    lines = out.getvalue().splitlines()
    header = next(line for line in lines if line.startswith("trades "))
    assert "parakeet-dev-trades  live -> 2  newest 3" in header
    assert "$LATEST " in header
    assert "B modified " in header
    block = lines[lines.index(header) + 1 : lines.index(header) + 4]
    marked = [(line.strip().startswith("*"), line.strip(" *").split()[0]) for line in block]
    assert marked == [(False, "v3"), (True, "v2"), (False, "v1")]
    assert all(" B  " in line for line in block)  # code size
    assert any(line.startswith("ingest ") and "live -> 3" in line for line in lines)


def test_status_json_and_missing_functions(stage, clients, config):
    stage.lambda_.delete_function(FunctionName=config.function_name(STAGE, "scanner"))
    out = io.StringIO()

    call_command("status", "--stage", STAGE, "--json", stdout=out)

    statuses = {s["key"]: s for s in json.loads(out.getvalue())}
    assert statuses["scanner"]["exists"] is False
    trades = statuses["trades"]
    assert trades["alias_version"] == "1"
    assert [v["version"] for v in trades["versions"]] == ["1"]
    assert trades["versions"][0]["code_size"] > 0
    assert trades["latest_modified"]
    text = io.StringIO()
    call_command("status", "--stage", STAGE, stdout=text)
    assert "scanner     parakeet-dev-scanner: not deployed" in text.getvalue()


# --- tail --------------------------------------------------------------------------------------


GROUP = "/aws/lambda/parakeet-dev-ingest"


@pytest.fixture
def log_group(stage):
    stage.logs.create_log_group(logGroupName=GROUP)
    stage.logs.create_log_stream(logGroupName=GROUP, logStreamName="2025/01/01/[2]abc")
    stage.logs.create_log_stream(logGroupName=GROUP, logStreamName="2025/01/01/[2]def")
    return stage


def put(stage_aws, stream: str, *messages: str, at_ms: int | None = None) -> None:
    now = at_ms or int(time.time() * 1000)
    stage_aws.logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)],
    )


def test_parse_since():
    assert parse_since("10m") == 600
    assert parse_since("2h") == 7200
    assert parse_since("45") == 45
    with pytest.raises(ValueError, match="--since"):
        parse_since("ten minutes")


def test_tail_command_prints_matching_events(log_group, clients):
    put(log_group, "2025/01/01/[2]abc", '{"level":"INFO","message":"ingest started"}')
    put(log_group, "2025/01/01/[2]def", '{"level":"ERROR","message":"Tiingo 429"}')
    put(log_group, "2025/01/01/[2]abc", "old ERROR", at_ms=int(time.time() * 1000) - 3_600_000)
    out = io.StringIO()

    call_command("tail", "--stage", STAGE, "--function", "ingest", "--filter", "ERROR", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 1  # the hour-old error is before --since 10m
    assert lines[0].endswith('2025/01/01/[2]def {"level":"ERROR","message":"Tiingo 429"}')
    assert lines[0][:4].isdigit()
    assert "Z " in lines[0]


def test_tail_follow_polls_for_new_events_without_repeats(log_group):
    put(log_group, "2025/01/01/[2]abc", "first")
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        put(log_group, "2025/01/01/[2]def", f"after poll {len(sleeps)}")

    events = tail(
        log_group.logs, GROUP, since_s=600, follow=True, interval_s=2, max_polls=3, sleep=sleep
    )

    assert [e.message for e in events] == ["first", "after poll 1", "after poll 2"]
    assert sleeps == [2, 2]


def test_tail_unknown_function_is_an_error(clients):
    with pytest.raises(CommandError, match="unknown function"):
        call_command("tail", "--stage", STAGE, "--function", "nope", stdout=io.StringIO())
