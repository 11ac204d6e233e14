"""``manage.py deploy`` and its steps against moto (S3, Lambda control plane).

Invocations (migrate, /health) need Docker in moto, so they go to a fake invoker or a
botocore ``Stubber`` that asserts the exact requests.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.core.management import call_command
from django.core.management.base import CommandError
from moto import mock_aws

from parakeet.deploy import artifacts as artifact_steps
from parakeet.deploy import aws as aws_module
from parakeet.deploy.artifacts import Artifact, artifact_at, collect, parse_artifact_arg
from parakeet.deploy.config import (
    CONFIG_PATH,
    ConfigFileError,
    DeployConfig,
    load_config,
    parse_config,
)
from parakeet.deploy.errors import DeployError
from parakeet.deploy.pipeline import Deployer, DeployPlan
from parakeet.deploy.remote import InvokeResult, LambdaInvoker
from parakeet.deploy.upload import upload_artifact
from parakeet.deploy.waiting import Polling

REGION = "ap-southeast-2"
STAGE = "dev"
BUCKET = "parakeet-dev-artifacts"
API_HOST = "api.parakeet.example"
FUNCTIONS = ["trades", "market", "strategies", "scanner", "worker", "ingest"]
API_FUNCTIONS = ["trades", "market", "strategies", "scanner"]
MIGRATE_EVENT = {"command": "migrate", "args": ["--no-input"]}


# --- fixtures and helpers ----------------------------------------------------------------------


@dataclass
class Aws:
    s3: Any
    lambda_: Any
    logs: Any
    iam: Any


@contextmanager
def mocked_aws(monkeypatch) -> Iterator[Aws]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield Aws(
            s3=boto3.client("s3", region_name=REGION),
            lambda_=boto3.client("lambda", region_name=REGION),
            logs=boto3.client("logs", region_name=REGION),
            iam=boto3.client("iam", region_name=REGION),
        )


@pytest.fixture
def aws(monkeypatch):
    with mocked_aws(monkeypatch) as mocked:
        yield mocked


def zip_bytes(marker: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("parakeet/lambda_handler.py", date_time=(2025, 1, 1, 0, 0, 0))
        archive.writestr(info, f"def handler(event, context):\n    return {marker!r}\n")
    return buffer.getvalue()


def write_zip(path: Path, marker: str) -> Path:
    path.write_bytes(zip_bytes(marker))
    return path


def lambda_sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def artifacts(tmp_path) -> dict[str, Artifact]:
    slim = write_zip(tmp_path / "parakeet-slim-1.zip", "slim v2")
    data = write_zip(tmp_path / "parakeet-data-1.zip", "data v2")
    return {"slim": artifact_at(slim, "slim"), "data": artifact_at(data, "data")}


@pytest.fixture
def config():
    return load_config()


def create_stage(aws: Aws, config: DeployConfig) -> Aws:
    """The stage as Terraform leaves it: bucket, functions at version 1 behind `live`."""
    aws.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    role = aws.iam.create_role(RoleName="parakeet-lambda", AssumeRolePolicyDocument="{}")
    for key in FUNCTIONS:
        spec = config.function(key)
        name = config.function_name(STAGE, key)
        aws.lambda_.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="parakeet.lambda_handler.handler",
            Code={"ZipFile": zip_bytes(f"{key} v1")},
            MemorySize=spec.memory_mb,
            Timeout=spec.timeout_s,
            Architectures=["arm64"],
            Environment={"Variables": {"ALLOWED_HOSTS": f"{API_HOST},.amazonaws.com"}},
        )
        aws.lambda_.publish_version(FunctionName=name)
        aws.lambda_.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return aws


@pytest.fixture
def stage(aws, config):
    return create_stage(aws, config)


def health_ok(status: int = 200) -> InvokeResult:
    return InvokeResult(
        status_code=200,
        payload={"statusCode": status, "headers": {}, "body": '{"status": "healthy"}'},
    )


def migrate_result(exit_code: int = 0, output: str = "No migrations to apply.\n") -> InvokeResult:
    return InvokeResult(
        status_code=200,
        payload={
            "command": "migrate",
            "args": ["--no-input"],
            "exit_code": exit_code,
            "output": output,
            "duration_ms": 12,
        },
    )


class FakeInvoker:
    """Answers command events with ``migrate`` and HTTP events with ``health[function]``."""

    def __init__(
        self,
        migrate: InvokeResult | None = None,
        health: dict[str, InvokeResult] | None = None,
    ) -> None:
        self.migrate = migrate or migrate_result()
        self.health = health or {}
        self.calls: list[tuple[str, Any, str | None]] = []

    def invoke(self, function_name: str, event: Any, *, qualifier: str | None = None):
        self.calls.append((function_name, event, qualifier))
        if "command" in event:
            return self.migrate
        key = function_name.rsplit("-", 1)[-1]
        return self.health.get(key, health_ok())


def no_sleep(seconds: float) -> None:
    raise AssertionError("moto settles at once: nothing should wait")


def deployer(stage_aws: Aws, config, invoker, lines: list[str] | None = None) -> Deployer:
    return Deployer(
        config=config,
        s3=stage_aws.s3,
        lambda_=stage_aws.lambda_,
        invoker=invoker,
        polling=Polling(interval_s=1, timeout_s=5, sleep=no_sleep),
        report=(lines.append if lines is not None else lambda line: None),
    )


def plan(artifacts, functions=FUNCTIONS, **changes) -> DeployPlan:
    return DeployPlan(
        stage=STAGE,
        functions=tuple(functions),
        artifacts=dict(artifacts),
        bucket=BUCKET,
        **changes,
    )


def alias_targets(stage_aws: Aws, config) -> dict[str, str]:
    return {
        key: stage_aws.lambda_.get_alias(
            FunctionName=config.function_name(STAGE, key), Name="live"
        )["FunctionVersion"]
        for key in FUNCTIONS
    }


# --- config ------------------------------------------------------------------------------------


def test_functions_json_matches_the_architecture_table(config):
    table = {key: (s.memory_mb, s.timeout_s, s.package) for key, s in config.functions.items()}

    assert table == {
        "trades": (512, 29, "slim"),
        "market": (1024, 29, "data"),
        "strategies": (1769, 29, "data"),
        "scanner": (1769, 29, "data"),
        "worker": (3008, 900, "data"),
        "ingest": (2048, 900, "data"),
    }
    assert config.architecture == "arm64"
    assert config.runtime == "python3.12"
    assert config.alias == "live"
    assert config.api_functions() == API_FUNCTIONS
    assert "ANY /api/trades/{proxy+}" in config.function("trades").routes
    assert config.migrate.event() == MIGRATE_EVENT
    assert config.migrate.function == "ingest"


def test_names_come_from_the_templates(config):
    assert config.function_name("dev", "trades") == "parakeet-dev-trades"
    assert config.bucket("prod") == "parakeet-prod-artifacts"
    assert config.log_group("dev", "ingest") == "/aws/lambda/parakeet-dev-ingest"
    assert config.packages(["trades"]) == ["slim"]
    assert config.packages(["worker", "trades"]) == ["slim", "data"]


@pytest.mark.parametrize("stage_name", ["Dev", "", "dev_1", "a" * 17, "1dev"])
def test_a_malformed_stage_is_refused(config, stage_name):
    with pytest.raises(ConfigFileError, match="stage"):
        config.function_name(stage_name, "trades")


def test_an_unknown_function_names_the_known_ones(config):
    with pytest.raises(ConfigFileError, match="known: trades, market"):
        config.function_name("dev", "billing")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["functions"]["trades"].update(memory_mb=64), "memory_mb: 64"),
        (lambda raw: raw["functions"]["trades"].update(memory_mb=True), "expected int"),
        (lambda raw: raw["functions"]["worker"].update(timeout_s=901), "timeout_s: 901"),
        (lambda raw: raw["functions"]["market"].update(package="fat"), "package: 'fat'"),
        (lambda raw: raw["functions"]["trades"].pop("routes"), "functions.trades.routes: missing"),
        (lambda raw: raw.update(name_template="parakeet-{function}"), "must contain {stage}"),
        (lambda raw: raw["migrate"].update(function="nope"), "migrate.function"),
        (lambda raw: raw.update(architecture="sparc"), "architecture"),
        (
            lambda raw: raw["functions"]["trades"].update(url_apps=["trade"]),
            "functions.trades.url_apps: unknown apps",
        ),
        (lambda raw: raw["functions"]["trades"].update(url_apps=[]), "omit it to mount every"),
    ],
)
def test_config_errors_name_the_key(change, message):
    raw = json.loads(CONFIG_PATH.read_text())
    change(raw)

    with pytest.raises(ConfigFileError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_config(raw)


# --- artifacts ---------------------------------------------------------------------------------


def test_artifact_package_is_read_from_the_name_or_given(tmp_path):
    slim = write_zip(tmp_path / "parakeet-slim-arm64.zip", "s")
    other = write_zip(tmp_path / "build.zip", "d")

    assert parse_artifact_arg(str(slim)).package == "slim"
    assert parse_artifact_arg(f"data={other}").package == "data"
    with pytest.raises(DeployError, match="slim=PATH or data=PATH"):
        parse_artifact_arg(str(other))
    with pytest.raises(DeployError, match="does not exist"):
        parse_artifact_arg(f"slim={tmp_path / 'missing.zip'}")


def test_artifact_key_is_its_content_hash(artifacts):
    slim = artifacts["slim"]
    digest = hashlib.sha256(slim.path.read_bytes()).hexdigest()

    assert slim.sha256 == digest
    assert slim.key("artifacts/") == f"artifacts/slim/{digest}.zip"


def test_collect_needs_one_artifact_per_package(artifacts):
    with pytest.raises(DeployError, match="no artifact for the data package") as caught:
        collect([artifacts["slim"]], ["slim", "data"])
    assert caught.value.step == "build"
    with pytest.raises(DeployError, match="two artifacts"):
        collect([artifacts["slim"], artifacts["slim"]], ["slim"])


def fake_package(package: str, *, out_dir: Path, architecture: str, extra=()) -> None:
    """What `manage.py package` leaves behind: the zip and the stable manifest naming it."""
    name = f"parakeet-{package}-{architecture}-py312-0123456789abcdef.zip"
    path = write_zip(out_dir / name, f"{package} built")
    manifest = {
        "artifact": name,
        "profile": package,
        "arch": architecture,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    (out_dir / f"parakeet-{package}-{architecture}.manifest.json").write_text(json.dumps(manifest))


def test_build_runs_package_and_reads_the_manifest(tmp_path):
    calls = []

    def runner(package, *, out_dir, architecture, extra=()):
        calls.append((package, architecture, tuple(extra)))
        fake_package(package, out_dir=out_dir, architecture=architecture)

    built = artifact_steps.build(
        ["slim", "data"],
        out_dir=tmp_path,
        architecture="arm64",
        extra=["--wheelhouse", "w"],
        runner=runner,
    )

    assert calls == [
        ("slim", "arm64", ("--wheelhouse", "w")),
        ("data", "arm64", ("--wheelhouse", "w")),
    ]
    assert [(a.package, a.path.name) for a in built] == [
        ("slim", "parakeet-slim-arm64-py312-0123456789abcdef.zip"),
        ("data", "parakeet-data-arm64-py312-0123456789abcdef.zip"),
    ]


def test_run_package_calls_the_package_command(monkeypatch, tmp_path):
    import django.core.management

    calls = []
    monkeypatch.setattr(
        django.core.management, "call_command", lambda *args, **kw: calls.append(args)
    )

    artifact_steps.run_package("data", out_dir=tmp_path, architecture="arm64", extra=["--no-strip"])

    assert calls == [
        ("package", "--profile", "data", "--arch", "arm64", "--output", str(tmp_path), "--no-strip")
    ]


def test_a_failed_build_is_a_build_error(tmp_path):
    def runner(package, **kwargs):
        raise CommandError("data/arm64: 262.1 MB unzipped is over the 250 MB budget")

    with pytest.raises(DeployError, match="over the 250 MB budget") as caught:
        artifact_steps.build(["data"], out_dir=tmp_path, architecture="arm64", runner=runner)
    assert caught.value.step == "build"


def test_without_a_build_the_error_says_how_to_make_one(tmp_path):
    with pytest.raises(DeployError, match=r"manage\.py package --profile slim --arch arm64"):
        artifact_steps.built_artifact(tmp_path, "slim", "arm64")


def test_a_zip_that_differs_from_its_manifest_is_refused(tmp_path):
    fake_package("slim", out_dir=tmp_path, architecture="arm64")
    zip_path = next(tmp_path.glob("*.zip"))
    zip_path.write_bytes(zip_bytes("tampered"))

    with pytest.raises(DeployError, match="does not match its manifest"):
        artifact_steps.built_artifact(tmp_path, "slim", "arm64")


# --- upload ------------------------------------------------------------------------------------


def test_upload_puts_the_artifact_under_its_hash_once(stage, artifacts, monkeypatch):
    slim = artifacts["slim"]

    first = upload_artifact(stage.s3, slim, bucket=BUCKET, prefix="artifacts/")

    assert first.uploaded is True
    assert first.key == f"artifacts/slim/{slim.sha256}.zip"
    head = stage.s3.head_object(Bucket=BUCKET, Key=first.key)
    assert head["Metadata"] == {"sha256": slim.sha256, "package": "slim"}
    body = stage.s3.get_object(Bucket=BUCKET, Key=first.key)["Body"].read()
    assert body == slim.path.read_bytes()

    def must_not_upload(*args, **kwargs):
        raise AssertionError("an artifact already in the bucket is not uploaded again")

    monkeypatch.setattr(stage.s3, "upload_file", must_not_upload)
    second = upload_artifact(stage.s3, slim, bucket=BUCKET, prefix="artifacts/")

    assert second.uploaded is False
    assert second.key == first.key


def test_upload_to_a_missing_bucket_is_an_upload_error(aws, artifacts):
    with pytest.raises(DeployError) as caught:
        upload_artifact(aws.s3, artifacts["slim"], bucket="no-such-bucket", prefix="a/")

    assert caught.value.step == "upload"


# --- the pipeline ------------------------------------------------------------------------------


def test_deploy_updates_publishes_migrates_smokes_and_promotes(stage, config, artifacts):
    invoker = FakeInvoker()
    lines: list[str] = []

    result = deployer(stage, config, invoker, lines).run(plan(artifacts))

    assert result.versions == dict.fromkeys(FUNCTIONS, "2")
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "2")
    for key in FUNCTIONS:
        name = config.function_name(STAGE, key)
        package = config.function(key).package
        code = stage.lambda_.get_function_configuration(FunctionName=name, Qualifier="2")
        assert code["CodeSha256"] == lambda_sha(artifacts[package].path.read_bytes())
        assert code["Description"].startswith(f"{package} {artifacts[package].sha256[:12]}")
    # migrate on the new ingest version, then /health on each new API version, in order.
    assert invoker.calls[0] == ("parakeet-dev-ingest", MIGRATE_EVENT, "2")
    smoke = invoker.calls[1:]
    assert [(name, qualifier) for name, _, qualifier in smoke] == [
        (f"parakeet-dev-{key}", "2") for key in API_FUNCTIONS
    ]
    for _, event, _ in smoke:
        assert event["rawPath"] == "/health"
        assert event["requestContext"]["http"]["method"] == "GET"
        assert event["headers"]["host"] == API_HOST
    assert result.migration is not None
    assert result.migration.ok
    assert [m.previous for m in result.moves] == ["1"] * 6
    assert any("promote  parakeet-dev-ingest:live: 1 -> 2" in line for line in lines)


def test_a_failed_migration_stops_before_any_alias_moves(stage, config, artifacts):
    output = "Applying trades.0002_x...\ndjango.db.utils.ProgrammingError: boom\n"
    invoker = FakeInvoker(migrate=migrate_result(exit_code=1, output=output))

    with pytest.raises(DeployError) as caught:
        deployer(stage, config, invoker).run(plan(artifacts))

    assert caught.value.step == "migrate"
    assert "exited 1 on parakeet-dev-ingest:2" in caught.value.detail
    assert caught.value.output == output
    assert "ProgrammingError: boom" in caught.value.report()
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "1")
    assert len(invoker.calls) == 1  # no smoke test after a failed migration


def test_a_crashed_migration_reports_the_function_error_and_log_tail(stage, config, artifacts):
    crashed = InvokeResult(
        status_code=200,
        payload={"errorMessage": "Task timed out after 900.00 seconds"},
        function_error="Unhandled",
        log_tail="START RequestId: 1\nApplying market.0009_big...\n",
    )

    with pytest.raises(DeployError) as caught:
        deployer(stage, config, FakeInvoker(migrate=crashed)).run(plan(artifacts))

    assert caught.value.step == "migrate"
    assert "the function failed (Unhandled)" in caught.value.detail
    assert "Task timed out" in caught.value.output
    assert "Applying market.0009_big" in caught.value.output
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "1")


def test_a_refused_migrate_command_is_a_migrate_failure(stage, config, artifacts):
    refused = InvokeResult(
        status_code=200,
        payload={"command": "migrate", "exit_code": 2, "output": "", "error": "not allowed"},
    )

    with pytest.raises(DeployError, match="not allowed") as caught:
        deployer(stage, config, FakeInvoker(migrate=refused)).run(plan(artifacts))

    assert caught.value.step == "migrate"


def test_a_failed_health_check_stops_before_any_alias_moves(stage, config, artifacts):
    broken = InvokeResult(
        status_code=200,
        payload={"statusCode": 500, "body": '{"error": "Internal server error"}'},
        log_tail="ImproperlyConfigured: DATABASE_URL ...",
    )
    invoker = FakeInvoker(health={"strategies": broken})

    with pytest.raises(DeployError) as caught:
        deployer(stage, config, invoker).run(plan(artifacts))

    error = caught.value
    assert error.step == "smoke"
    assert "parakeet-dev-strategies:2 answered 500, expected 200" in error.detail
    assert "Internal server error" in error.output
    assert "ImproperlyConfigured" in error.output
    # trades and market passed their checks, but nothing was promoted.
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "1")


def test_a_non_http_answer_to_the_health_check_fails_it(stage, config, artifacts):
    odd = InvokeResult(status_code=200, payload={"error": "unrecognised event"})

    with pytest.raises(DeployError, match="no HTTP response"):
        deployer(stage, config, FakeInvoker(health={"trades": odd})).run(plan(artifacts))
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "1")


def test_deploying_one_function_needs_its_package_only(stage, config, artifacts):
    invoker = FakeInvoker()
    lines: list[str] = []

    result = deployer(stage, config, invoker, lines).run(
        plan({"slim": artifacts["slim"]}, functions=["trades"])
    )

    assert result.versions == {"trades": "2"}
    assert [c[0] for c in invoker.calls] == ["parakeet-dev-trades"]  # no migrate: no ingest
    assert any("migrate  skipped" in line for line in lines)
    assert alias_targets(stage, config)["market"] == "1"


def test_redeploying_the_same_artifacts_skips_the_upload(stage, config, artifacts):
    deployer(stage, config, FakeInvoker()).run(plan(artifacts))
    lines: list[str] = []

    deployer(stage, config, FakeInvoker(), lines).run(plan(artifacts))

    uploads = [line for line in lines if line.startswith("upload")]
    assert len(uploads) == 2
    assert all("(already present)" in line for line in uploads)


def test_a_code_hash_mismatch_stops_the_deploy(stage, config, artifacts):
    slim = artifacts["slim"]
    key = slim.key(config.artifact_prefix)
    stage.s3.put_object(Bucket=BUCKET, Key=key, Body=zip_bytes("someone else's build"))

    with pytest.raises(DeployError, match="code hash") as caught:
        deployer(stage, config, FakeInvoker()).run(plan({"slim": slim}, functions=["trades"]))

    assert caught.value.step == "update"
    assert alias_targets(stage, config)["trades"] == "1"


def test_first_deploy_creates_the_live_alias(stage, config, artifacts):
    name = config.function_name(STAGE, "worker")
    stage.lambda_.delete_alias(FunctionName=name, Name="live")

    result = deployer(stage, config, FakeInvoker()).run(
        plan({"data": artifacts["data"]}, functions=["worker"])
    )

    assert result.moves[0].previous is None
    assert stage.lambda_.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"


def test_the_invoke_steps_send_exactly_these_requests(stage, config, artifacts):
    """Migrate and smoke through the real LambdaInvoker, with a Stubber on its client."""
    client = boto3.client("lambda", region_name=REGION)
    stubber = Stubber(client)

    def respond(payload: dict[str, Any], log: str = "") -> dict[str, Any]:
        data = json.dumps(payload).encode()
        from botocore.response import StreamingBody

        return {
            "StatusCode": 200,
            "Payload": StreamingBody(io.BytesIO(data), len(data)),
            "LogResult": base64.b64encode(log.encode()).decode(),
            "ExecutedVersion": "2",
        }

    stubber.add_response(
        "invoke",
        respond({"command": "migrate", "exit_code": 0, "output": "OK\n"}),
        {
            "FunctionName": "parakeet-dev-ingest",
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": b'{"command":"migrate","args":["--no-input"]}',
            "Qualifier": "2",
        },
    )
    for key in API_FUNCTIONS:
        stubber.add_response(
            "invoke",
            respond({"statusCode": 200, "body": "{}"}),
            {
                "FunctionName": f"parakeet-dev-{key}",
                "InvocationType": "RequestResponse",
                "LogType": "Tail",
                "Payload": ANY,
                "Qualifier": "2",
            },
        )

    with stubber:
        deployer(stage, config, LambdaInvoker(client)).run(plan(artifacts))

    stubber.assert_no_pending_responses()
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "2")


def test_the_stubbed_migrate_failure_leaves_the_aliases(stage, config, artifacts):
    client = boto3.client("lambda", region_name=REGION)
    stubber = Stubber(client)
    from botocore.response import StreamingBody

    data = json.dumps({"command": "migrate", "exit_code": 1, "output": "lock timeout\n"}).encode()
    stubber.add_response(
        "invoke",
        {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(data), len(data))},
        {
            "FunctionName": "parakeet-dev-ingest",
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": b'{"command":"migrate","args":["--no-input"]}',
            "Qualifier": "2",
        },
    )

    with stubber, pytest.raises(DeployError) as caught:
        deployer(stage, config, LambdaInvoker(client)).run(plan(artifacts))

    assert (caught.value.step, caught.value.output) == ("migrate", "lock timeout\n")
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "1")


@pytest.mark.django_db(transaction=True)  # Django recycles connections around a request
def test_the_smoke_event_is_answered_200_by_the_real_handler(settings):
    """The /health event the deploy sends is one the handler (and Django) accept."""
    from parakeet.deploy.http_events import health_event
    from parakeet.lambda_handler import handler

    settings.ALLOWED_HOSTS = [API_HOST]

    response = handler(health_event("/health", API_HOST), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "healthy"


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def command_clients(stage, monkeypatch):
    invoker = FakeInvoker()

    def make_clients(region=None, endpoint_url=None):
        return aws_module.AwsClients(
            s3=stage.s3, lambda_=stage.lambda_, logs=stage.logs, invoker=invoker
        )

    monkeypatch.setattr(aws_module, "make_clients", make_clients)
    return invoker


def test_deploy_command_with_artifacts(command_clients, stage, config, artifacts):
    out = io.StringIO()

    call_command(
        "deploy",
        "--stage",
        STAGE,
        "--skip-build",
        "--artifact",
        str(artifacts["slim"].path),
        "--artifact",
        f"data={artifacts['data'].path}",
        stdout=out,
    )

    text = out.getvalue()
    assert "Deployed dev: trades=2, market=2, strategies=2, scanner=2, worker=2, ingest=2" in text
    assert "migrate  parakeet-dev-ingest:2: migrate --no-input" in text
    assert "| No migrations to apply." in text
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "2")


def test_deploy_command_failure_names_the_step(command_clients, stage, config, artifacts):
    command_clients.migrate = migrate_result(exit_code=1, output="relation does not exist\n")

    with pytest.raises(CommandError) as caught:
        call_command(
            "deploy",
            "--stage",
            STAGE,
            "--artifact",
            str(artifacts["slim"].path),
            "--artifact",
            str(artifacts["data"].path),
            stdout=io.StringIO(),
        )

    message = str(caught.value)
    assert "Deploy step 'migrate' failed" in message
    assert "relation does not exist" in message
    assert alias_targets(stage, config) == dict.fromkeys(FUNCTIONS, "1")


def test_deploy_command_skip_build_takes_the_latest_package_build(
    command_clients, stage, config, tmp_path
):
    fake_package("slim", out_dir=tmp_path, architecture="arm64")
    out = io.StringIO()

    call_command(
        "deploy",
        "--stage",
        STAGE,
        "--skip-build",
        "--function",
        "trades",
        "--out-dir",
        str(tmp_path),
        stdout=out,
    )

    assert "build" not in out.getvalue().split("Deploying")[0]
    assert alias_targets(stage, config)["trades"] == "2"


def test_deploy_command_skip_build_without_a_build_fails_at_build(command_clients, tmp_path):
    with pytest.raises(CommandError, match="Deploy step 'build' failed: no slim build"):
        call_command(
            "deploy",
            "--stage",
            STAGE,
            "--skip-build",
            "--out-dir",
            str(tmp_path),
            stdout=io.StringIO(),
        )


def test_deploy_command_builds_when_no_artifact_is_given(
    command_clients, stage, config, monkeypatch, tmp_path
):
    calls = []

    def run_package(package, *, out_dir, architecture, extra=()):
        calls.append((package, tuple(extra)))
        fake_package(package, out_dir=out_dir, architecture=architecture)

    monkeypatch.setattr(artifact_steps, "run_package", run_package)
    out = io.StringIO()

    call_command(
        "deploy",
        "--stage",
        STAGE,
        "--function",
        "trades",
        "--out-dir",
        str(tmp_path),
        "--wheelhouse",
        "var/wheelhouse/arm64",
        stdout=out,
    )

    assert calls == [("slim", ("--wheelhouse", "var/wheelhouse/arm64"))]
    assert "build    slim for arm64" in out.getvalue()
    assert alias_targets(stage, config)["trades"] == "2"


def test_deploy_command_rejects_an_unknown_function(command_clients):
    with pytest.raises(CommandError, match="unknown function billing"):
        call_command("deploy", "--stage", STAGE, "--function", "billing", stdout=io.StringIO())


def test_each_api_function_mounts_exactly_the_apps_of_its_routes(config):
    """Every app route is sent to the function that mounts it, and nothing else is."""
    from importlib import import_module

    from parakeet.urlconf import URL_APPS

    def prefixes(routes: tuple[str, ...]) -> set[str]:
        return {r.split()[1].removesuffix("/{proxy+}") for r in routes if r != "$default"}

    def app_prefixes(app: str) -> set[str]:
        patterns = import_module(f"{app}.urls").urlpatterns
        return {"/" + "/".join(str(p.pattern).lstrip("^").split("/")[:2]) for p in patterns}

    mounted: list[str] = []
    for key in config.api_functions():
        spec = config.function(key)
        assert spec.url_apps, f"{key} mounts every app"
        mounted.extend(spec.url_apps)
        served = set().union(*(app_prefixes(app) for app in spec.url_apps))
        assert served == prefixes(spec.routes), key
    assert sorted(mounted) == sorted(URL_APPS)
    assert config.function("trades").environment() == {"PARAKEET_URL_APPS": "trades"}
    assert config.function("worker").environment() == {}
