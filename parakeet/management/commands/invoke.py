"""``manage.py invoke --stage dev --function F (--event JSON | --event-file F | --command ...)``.

Sends one event to the function's ``live`` alias (or ``--qualifier``) and prints the response.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parakeet.deploy.cli import (
    add_aws_arguments,
    add_stage_argument,
    clients,
    deploy_config,
    stage_of,
)
from parakeet.deploy.remote import command_event


class Command(BaseCommand):
    help = "Invoke a deployed function with a raw event or a management command; print the answer."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_stage_argument(parser)
        parser.add_argument("--function", required=True, help="trades, market, ..., ingest")
        parser.add_argument("--qualifier", help="Version or alias (default: the live alias).")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--event", help="The event as a JSON string.")
        source.add_argument("--event-file", help="A file holding the JSON event.")
        source.add_argument(
            "--command",
            nargs=argparse.REMAINDER,
            metavar="NAME [ARGS]",
            help='Send {"command": NAME, "args": [...]}; everything after it is the command line.',
        )
        add_aws_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        config = deploy_config()
        stage = stage_of(options)
        if options["function"] not in config.functions:
            raise CommandError(f"unknown function {options['function']!r}")
        event = self.event(options)
        name = config.function_name(stage, options["function"])
        qualifier = options["qualifier"] or config.alias
        result = clients(options).invoker.invoke(name, event, qualifier=qualifier)
        self.stdout.write(result.payload_text())
        if result.function_error:
            if result.log_tail:
                self.stderr.write(result.log_tail)
            raise CommandError(f"{name}:{qualifier} failed ({result.function_error})")

    def event(self, options: dict[str, Any]) -> Any:
        if options["command"] is not None:
            if not options["command"]:
                raise CommandError("--command needs a command name")
            name, *command_args = options["command"]
            return command_event(name, command_args)
        if options["event_file"]:
            text = Path(options["event_file"]).read_text()
        else:
            text = options["event"]
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CommandError(f"the event is not valid JSON: {exc}") from None
