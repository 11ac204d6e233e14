"""``manage.py status --stage dev``: versions, alias targets, code sizes, last modified."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from parakeet.deploy.cli import (
    add_aws_arguments,
    add_stage_argument,
    clients,
    deploy_config,
    stage_of,
)
from parakeet.deploy.status import format_status, stage_status, status_as_json


class Command(BaseCommand):
    help = "Show what each function of a stage runs: live alias, versions, sizes, dates."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_stage_argument(parser)
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        add_aws_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        config = deploy_config()
        statuses = stage_status(clients(options).lambda_, config, stage_of(options))
        if options["json"]:
            self.stdout.write(json.dumps(status_as_json(statuses), indent=2))
        else:
            self.stdout.write(format_status(statuses))
