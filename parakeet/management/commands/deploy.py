"""``manage.py deploy --stage dev``: build or take the artifacts and roll them out.

upload -> update -> publish -> migrate (on the new ingest version) -> smoke (/health on each new
API version) -> promote (move ``live``). Any failure stops before an alias moves and names the
step with its captured output. See docs/deploy.md.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parakeet.deploy import artifacts as artifact_steps
from parakeet.deploy.cli import (
    add_aws_arguments,
    add_stage_argument,
    clients,
    deploy_config,
    function_keys,
    stage_of,
)
from parakeet.deploy.config import DeployConfig
from parakeet.deploy.errors import DeployError
from parakeet.deploy.pipeline import Deployer, DeployPlan
from parakeet.deploy.waiting import Polling


class Command(BaseCommand):
    help = (
        "Deploy the Lambda functions of a stage: upload, update, publish, migrate, smoke, promote."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_stage_argument(parser)
        parser.add_argument(
            "--artifact",
            action="append",
            default=[],
            metavar="[PACKAGE=]PATH",
            help="A built zip (slim or data, read from the name or given as slim=PATH). "
            "Repeat for both packages.",
        )
        parser.add_argument(
            "--skip-build",
            action="store_true",
            help="Don't build: deploy the --artifact zips, else the latest `manage.py package` "
            "builds in --out-dir.",
        )
        parser.add_argument(
            "--function",
            action="append",
            dest="functions",
            default=[],
            help="Deploy only this function (repeatable; default: all).",
        )
        parser.add_argument("--out-dir", default="dist", help="Where builds go (default dist/).")
        parser.add_argument("--wheelhouse", help="Passed to `manage.py package` (offline wheels).")
        parser.add_argument("--bucket", help="Artifact bucket (default: from functions.json).")
        parser.add_argument("--no-migrate", action="store_true", help="Skip the migrate step.")
        parser.add_argument("--no-smoke", action="store_true", help="Skip the /health check.")
        parser.add_argument(
            "--health-host",
            help="Host header for the /health check (default: the function's ALLOWED_HOSTS).",
        )
        parser.add_argument(
            "--wait-timeout",
            type=float,
            default=600.0,
            help="Seconds to wait for each code update / version (default 600).",
        )
        add_aws_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        config = deploy_config()
        stage = stage_of(options)
        keys = function_keys(config, options["functions"])
        try:
            plan = DeployPlan(
                stage=stage,
                functions=tuple(keys),
                artifacts=self.artifacts(config, keys, options),
                bucket=options["bucket"] or config.bucket(stage),
                migrate=not options["no_migrate"],
                smoke=not options["no_smoke"],
                health_host=options["health_host"],
            )
            aws = clients(options)
            deployer = Deployer(
                config=config,
                s3=aws.s3,
                lambda_=aws.lambda_,
                invoker=aws.invoker,
                polling=Polling(timeout_s=options["wait_timeout"]),
                report=self.stdout.write,
            )
            self.stdout.write(f"Deploying {', '.join(keys)} to stage {stage}")
            result = deployer.run(plan)
        except DeployError as exc:
            raise CommandError(exc.report()) from None
        versions = ", ".join(f"{k}={v}" for k, v in result.versions.items())
        self.stdout.write(self.style.SUCCESS(f"Deployed {stage}: {versions}"))

    def artifacts(
        self, config: DeployConfig, keys: list[str], options: dict[str, Any]
    ) -> dict[str, artifact_steps.Artifact]:
        needed = config.packages(keys)
        given = [artifact_steps.parse_artifact_arg(value) for value in options["artifact"]]
        if given:
            return artifact_steps.collect(given, needed)
        out_dir = Path(options["out_dir"])
        if options["skip_build"]:
            found = [
                artifact_steps.built_artifact(out_dir, package, config.architecture)
                for package in needed
            ]
            return artifact_steps.collect(found, needed)
        self.stdout.write(f"build    {', '.join(needed)} for {config.architecture}")
        extra = ["--wheelhouse", options["wheelhouse"]] if options["wheelhouse"] else []
        built = artifact_steps.build(
            needed, out_dir=out_dir, architecture=config.architecture, extra=extra
        )
        return artifact_steps.collect(built, needed)
