"""``manage.py tail --stage dev --function F [--filter P] [--since 10m] [--follow]``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parakeet.deploy.cli import (
    add_aws_arguments,
    add_stage_argument,
    clients,
    deploy_config,
    stage_of,
)
from parakeet.deploy.logs import parse_since, tail


class Command(BaseCommand):
    help = "Print a function's CloudWatch log events (optionally following new ones)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_stage_argument(parser)
        parser.add_argument("--function", required=True, help="trades, market, ..., ingest")
        parser.add_argument("--filter", help="A CloudWatch Logs filter pattern, e.g. ERROR.")
        parser.add_argument("--since", default="10m", help="How far back: 30s, 10m, 2h, 1d.")
        parser.add_argument("--follow", action="store_true", help="Keep polling for new events.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between polls.")
        parser.add_argument(
            "--max-polls",
            type=int,
            default=720,
            help="With --follow, stop after this many polls (default 720: an hour at 5 s).",
        )
        add_aws_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        config = deploy_config()
        stage = stage_of(options)
        if options["function"] not in config.functions:
            raise CommandError(f"unknown function {options['function']!r}")
        try:
            since_s = parse_since(options["since"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        group = config.log_group(stage, options["function"])
        events = tail(
            clients(options).logs,
            group,
            since_s=since_s,
            pattern=options["filter"],
            follow=options["follow"],
            interval_s=options["interval"],
            max_polls=options["max_polls"],
        )
        try:
            for event in events:
                self.stdout.write(event.format())
                self.stdout.flush()
        except KeyboardInterrupt:
            return
