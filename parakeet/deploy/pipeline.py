"""A deploy, step by step: upload -> update -> publish -> migrate -> smoke -> promote.

Every step before ``promote`` only creates things nobody calls yet (S3 objects, ``$LATEST``
code, numbered versions): API Gateway, the scheduler and the task backend call the ``live``
alias. So a failure anywhere before ``promote`` leaves the stage exactly as it was serving,
and the :class:`~parakeet.deploy.errors.DeployError` says which step failed and what it printed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from parakeet.deploy.artifacts import Artifact
from parakeet.deploy.config import DeployConfig
from parakeet.deploy.errors import DeployError
from parakeet.deploy.migrate import run_migrations
from parakeet.deploy.promote import AliasMove, move_alias
from parakeet.deploy.publish import publish_version
from parakeet.deploy.remote import CommandOutcome, Invoker
from parakeet.deploy.smoke import check_health, smoke_host
from parakeet.deploy.update import update_code
from parakeet.deploy.upload import Upload, upload_artifact
from parakeet.deploy.waiting import Polling

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

Report = Callable[[str], None]


@dataclass(frozen=True)
class DeployPlan:
    stage: str
    functions: tuple[str, ...]
    artifacts: Mapping[str, Artifact]  # by package profile
    bucket: str
    migrate: bool = True
    smoke: bool = True
    health_host: str | None = None


@dataclass
class DeployResult:
    uploads: dict[str, Upload] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    migration: CommandOutcome | None = None
    moves: list[AliasMove] = field(default_factory=list)


@dataclass(frozen=True)
class Deployer:
    """The clients and knobs every step shares."""

    config: DeployConfig
    s3: S3Client
    lambda_: LambdaClient
    invoker: Invoker
    polling: Polling = field(default_factory=Polling)
    report: Report = print

    def name(self, stage: str, key: str) -> str:
        return self.config.function_name(stage, key)

    # --- steps ----------------------------------------------------------------------------

    def upload(self, plan: DeployPlan) -> dict[str, Upload]:
        uploads: dict[str, Upload] = {}
        for package, artifact in plan.artifacts.items():
            upload = upload_artifact(
                self.s3, artifact, bucket=plan.bucket, prefix=self.config.artifact_prefix
            )
            verb = "uploaded" if upload.uploaded else "already present"
            self.report(f"upload   {package}: s3://{upload.bucket}/{upload.key} ({verb})")
            uploads[package] = upload
        return uploads

    def update(self, plan: DeployPlan, key: str, upload: Upload) -> str:
        """Update the function's code; returns Lambda's CodeSha256 (checked against ours)."""
        name = self.name(plan.stage, key)
        config = update_code(
            self.lambda_,
            name,
            bucket=upload.bucket,
            key=upload.key,
            architecture=self.config.architecture,
            polling=self.polling,
        )
        expected = base64.b64encode(bytes.fromhex(upload.artifact.sha256)).decode()
        actual = str(config.get("CodeSha256", ""))
        if actual != expected:
            raise DeployError(
                "update",
                f"{name} reports code hash {actual}, but the artifact's is {expected}: "
                "another deploy may have updated it concurrently",
            )
        self.report(f"update   {name}: code from {upload.key}")
        return actual

    def publish(self, plan: DeployPlan, key: str, code_sha256: str, upload: Upload) -> str:
        name = self.name(plan.stage, key)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        description = f"{upload.artifact.package} {upload.artifact.sha256[:12]} {stamp}"
        version = publish_version(
            self.lambda_,
            name,
            code_sha256=code_sha256,
            description=description,
            polling=self.polling,
        )
        self.report(f"publish  {name}: version {version}")
        return version

    def migrate(self, plan: DeployPlan, version: str) -> CommandOutcome:
        spec = self.config.migrate
        name = self.name(plan.stage, spec.function)
        self.report(f"migrate  {name}:{version}: {spec.command} {' '.join(spec.args)}")
        outcome = run_migrations(self.invoker, name, version, spec)
        for line in outcome.output.rstrip().splitlines():
            self.report(f"         | {line}")
        return outcome

    def smoke(self, plan: DeployPlan, key: str, version: str) -> None:
        name = self.name(plan.stage, key)
        host = plan.health_host or smoke_host(self.lambda_, name, version)
        path = self.config.health_path
        check_health(self.invoker, name, version, path=path, host=host)
        self.report(f"smoke    {name}:{version}: GET {path} -> 200")

    def promote(self, plan: DeployPlan, key: str, version: str) -> AliasMove:
        name = self.name(plan.stage, key)
        move = move_alias(
            self.lambda_,
            name,
            self.config.alias,
            version,
            description=f"deployed version {version}",
        )
        was = move.previous or "(new alias)"
        self.report(f"promote  {name}:{self.config.alias}: {was} -> {version}")
        return move

    # --- the whole deploy -----------------------------------------------------------------

    def run(self, plan: DeployPlan) -> DeployResult:
        result = DeployResult()
        result.uploads = self.upload(plan)
        for key in plan.functions:
            upload = result.uploads[self.config.function(key).package]
            code_sha256 = self.update(plan, key, upload)
            result.versions[key] = self.publish(plan, key, code_sha256, upload)
        migrate_key = self.config.migrate.function
        if plan.migrate and migrate_key in result.versions:
            result.migration = self.migrate(plan, result.versions[migrate_key])
        elif plan.migrate:
            self.report(f"migrate  skipped: {migrate_key} is not part of this deploy")
        if plan.smoke:
            for key in plan.functions:
                if self.config.function(key).api:
                    self.smoke(plan, key, result.versions[key])
        for key in plan.functions:
            try:
                result.moves.append(self.promote(plan, key, result.versions[key]))
            except DeployError as exc:
                moved = ", ".join(f"{m.function_name}->{m.current}" for m in result.moves)
                exc.detail += f" (already moved: {moved or 'none'}; roll them back if needed)"
                raise
        return result
