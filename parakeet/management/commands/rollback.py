"""``manage.py rollback --stage dev [--function F] [--to VERSION]``: move ``live`` back.

Without ``--to`` each function's alias goes to the newest version before the one it points at.
Code only: a migration the newer version applied stays applied.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parakeet.deploy.cli import (
    add_aws_arguments,
    add_stage_argument,
    clients,
    deploy_config,
    function_keys,
    stage_of,
)
from parakeet.deploy.errors import DeployError
from parakeet.deploy.promote import rollback


class Command(BaseCommand):
    help = "Move the live alias back to the previous (or a given) version."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_stage_argument(parser)
        parser.add_argument(
            "--function",
            action="append",
            dest="functions",
            default=[],
            help="Roll back only this function (repeatable; default: all).",
        )
        parser.add_argument("--to", help="The version to go back to (needs one --function).")
        add_aws_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        config = deploy_config()
        stage = stage_of(options)
        keys = function_keys(config, options["functions"])
        if options["to"] is not None and len(keys) != 1:
            raise CommandError("--to needs exactly one --function (versions differ per function)")
        lambda_client = clients(options).lambda_
        failures: list[str] = []
        for key in keys:
            name = config.function_name(stage, key)
            try:
                move = rollback(lambda_client, name, config.alias, to=options["to"])
            except DeployError as exc:
                failures.append(f"{name}: {exc.detail}")
                self.stderr.write(f"rollback {name}: {exc.detail}")
                continue
            self.stdout.write(f"rollback {name}:{config.alias}: {move.previous} -> {move.current}")
        if failures:
            raise CommandError("Rollback incomplete:\n" + "\n".join(failures))
