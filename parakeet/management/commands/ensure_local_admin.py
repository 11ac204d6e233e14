"""``manage.py ensure_local_admin``: a superuser for the local admin site, created once.

``make run`` calls it on every start. The first time (no superuser in the database) it
creates ``admin`` with a random password, prints the password once and keeps it in
``var/local-admin.txt`` (mode 0600) so it can be found again. Afterwards it only says that
a superuser exists. It refuses to run with DEBUG off: production admins are created on
purpose, with ``createsuperuser``, never by a convenience command.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

USERNAME = "admin"
PASSWORD_FILE_NAME = "local-admin.txt"


def password_file() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE_NAME


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, also when the file existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # O_CREAT's mode is ignored for an existing file (and masked by the umask).
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)


class Command(BaseCommand):
    help = (
        "Create the local superuser 'admin' with a random password if no superuser exists "
        "(DEBUG only). The password is printed once and saved to var/local-admin.txt."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "ensure_local_admin is for local development only and refuses to run with "
                "DEBUG off; create production admins with `manage.py createsuperuser`."
            )
        user_model = get_user_model()
        path = password_file()
        with transaction.atomic():
            existing = user_model.objects.filter(is_superuser=True).order_by("pk").first()
            if existing is not None:
                message = f"A superuser already exists ({existing.get_username()}); nothing to do."
                if path.exists():
                    message += f" The password generated here earlier is in {path}."
                self.stdout.write(message)
                return
            if user_model.objects.filter(**{user_model.USERNAME_FIELD: USERNAME}).exists():
                raise CommandError(
                    f"A user named {USERNAME!r} exists but is not a superuser; promote it with "
                    "the admin site or `manage.py changepassword`, or run `createsuperuser`."
                )
            password = secrets.token_urlsafe(18)
            user_model.objects.create_superuser(
                **{user_model.USERNAME_FIELD: USERNAME},
                email="admin@localhost",
                password=password,
            )
            write_private_file(path, f"username: {USERNAME}\npassword: {password}\n")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the local superuser {USERNAME!r} with password: {password}"
            )
        )
        self.stdout.write(f"The password is saved in {path} (readable by you only).")
