"""``manage.py load_demo_data``: fill a local database with labelled, deterministic demo data.

Each entry of ``DEMO_LOADERS`` is the dotted path of a loader: a callable taking no
arguments that writes its demo rows idempotently (running it twice never duplicates) and
returns an object whose ``str()`` is a one-line summary, printed here. Apps append their
loader to the tuple. Demo data never belongs in production, so the command needs DEBUG.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

DEMO_LOADERS: tuple[str, ...] = (
    "trades.demo.load_demo_trades",
    "market.demo.load_demo_market",
)


class Command(BaseCommand):
    help = "Load every app's deterministic demo data (idempotent; DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "load_demo_data is for local development only and refuses to run with DEBUG off."
            )
        for dotted_path in DEMO_LOADERS:
            loader: Callable[[], object] = import_string(dotted_path)
            result = loader()
            self.stdout.write(f"{dotted_path}: {result}")
