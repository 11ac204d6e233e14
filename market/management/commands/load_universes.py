"""``manage.py load_universes``: make the database match the shipped universe files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from market.services import load_universes


class Command(BaseCommand):
    help = (
        "Load the universes in market/data/universes (registry, members, S&P 500 history) "
        "into Universe, IndexConstituent and Symbol rows. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_universes()
        self.stdout.write(str(counts) if counts.changed else "Universes are up to date.")
