"""``manage.py manage dev migrate --no-input``: run a management command on Lambda.

The command goes to the stage's command function (``ingest`` by default: 15 minutes, data
package) as ``{"command": ..., "args": [...]}``; its real output is printed and this process
exits with its exit code. Only commands the handler allows by event run.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parakeet.deploy.cli import add_aws_arguments, clients, deploy_config, stage_of
from parakeet.deploy.remote import run_remote_command


class Command(BaseCommand):
    help = "Run a management command on a deployed function and exit with its exit code."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--function", help="Function to run it on (default: ingest).")
        parser.add_argument("--qualifier", help="Version or alias (default: the live alias).")
        add_aws_arguments(parser)
        parser.add_argument("stage", help="Stage, e.g. dev.")
        parser.add_argument("remote_command", metavar="command", help="e.g. migrate")
        parser.add_argument("remote_args", metavar="args", nargs=argparse.REMAINDER)

    def handle(self, *args: Any, **options: Any) -> None:
        config = deploy_config()
        stage = stage_of(options)
        key = options["function"] or config.command_function
        if key not in config.functions:
            raise CommandError(f"unknown function {key!r}")
        name = config.function_name(stage, key)
        qualifier = options["qualifier"] or config.alias
        outcome = run_remote_command(
            clients(options).invoker,
            name,
            options["remote_command"],
            options["remote_args"],
            qualifier=qualifier,
        )
        if outcome.output:
            self.stdout.write(outcome.output, ending="" if outcome.output.endswith("\n") else "\n")
        if outcome.error:
            self.stderr.write(f"{name}:{qualifier}: {outcome.error}")
        code = outcome.exit_code if outcome.exit_code is not None else 1
        if code:
            self.stdout.flush()
            sys.exit(code)
