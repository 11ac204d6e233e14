"""``manage.py mint_token``: a signed HS256 token for local use (there is no login endpoint).

Prints only the token, so ``TOKEN=$(./manage.py mint_token)`` works; warnings go to stderr.
"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

import jwt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Print an HS256 JWT signed with PARAKEET_JWT_SECRET, for local development."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--subject", default="dev", help="`sub` claim (default: dev).")
        parser.add_argument(
            "--minutes", type=int, default=60, help="Lifetime in minutes (default: 60)."
        )
        parser.add_argument(
            "--audience", help="`aud` claim (default: PARAKEET_JWT_AUDIENCE, omitted if unset)."
        )
        parser.add_argument(
            "--issuer", help="`iss` claim (default: PARAKEET_JWT_ISSUER, omitted if unset)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret: str = settings.PARAKEET_JWT_SECRET
        if not secret:
            raise CommandError(
                "PARAKEET_JWT_SECRET is not set: mint_token signs HS256 tokens with it. "
                "Set the same secret for this command and for the server, then retry."
            )
        minutes: int = options["minutes"]
        if minutes <= 0:
            raise CommandError(f"--minutes must be a positive number, not {minutes}.")
        if "HS256" not in settings.PARAKEET_JWT_ALGORITHMS:
            self.stderr.write(
                "Warning: PARAKEET_JWT_ALGORITHMS does not allow HS256; "
                "the server will reject this token."
            )

        now = timezone.now()
        claims: dict[str, Any] = {
            "sub": options["subject"],
            "iat": now,
            "exp": now + dt.timedelta(minutes=minutes),
        }
        issuer = (
            options["issuer"] if options["issuer"] is not None else settings.PARAKEET_JWT_ISSUER
        )
        audience = (
            options["audience"]
            if options["audience"] is not None
            else settings.PARAKEET_JWT_AUDIENCE
        )
        if issuer:
            claims["iss"] = issuer
        if audience:
            claims["aud"] = audience
        self.stdout.write(jwt.encode(claims, secret, algorithm="HS256"))
