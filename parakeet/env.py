"""Reading configuration from the environment, with clear errors for people.

Kept free of Django imports beyond ``ImproperlyConfigured`` so settings can use it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


class ConfigError(ImproperlyConfigured):
    """A mistake in the environment, fixed by a person: reported as one line, no traceback."""


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


def install_config_error_hook() -> None:
    """Make an uncaught :class:`ConfigError` end the process with one clear stderr line.

    Only a process that dies of the error is affected (``manage.py``, ``python -c``); code
    that catches ``ImproperlyConfigured`` sees the exception as usual.
    """
    previous: ExceptHook = sys.excepthook
    if getattr(previous, "parakeet_config_hook", False):
        return

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if isinstance(exc, ConfigError):
            sys.stderr.write(f"ImproperlyConfigured: {exc}\n")
            return
        previous(exc_type, exc, tb)

    hook.parakeet_config_hook = True  # type: ignore[attr-defined]
    sys.excepthook = hook


def require(name: str, what: str) -> NoReturn:
    raise ConfigError(f"{name} must be set in production (DJANGO_DEBUG=false): {what}.")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_budgets(name: str, sources: tuple[str, ...]) -> dict[str, int | None]:
    """Per-source budgets: ``tiingo=5000,yahoo=20000``; a bare number covers every source not
    named; ``none`` = no cap. Unset: ``{}`` (every source keeps its caller's default).
    """
    budgets: dict[str, int | None] = {}
    every: list[int | None] = []  # the bare number, if one is given
    for item in env_list(name, []):
        source, pair, value = (part.strip().lower() for part in item.rpartition("="))
        if pair and source not in sources:
            known = ", ".join(sources)
            raise ConfigError(f"{name} names an unknown source {source!r} (known: {known}).")
        if (source in budgets) if pair else every:
            raise ConfigError(f"{name} gives {source or 'every source'} two budgets: {item!r}.")
        budget = None if value == "none" else int(value) if value.isdecimal() else -1
        if budget == -1:  # not a whole number (a minus sign included)
            raise ConfigError(
                f"{name} must be source=N pairs such as tiingo=5000,yahoo=20000 (N a whole "
                f"number, or none for no cap), not {item!r}."
            )
        if pair:
            budgets[source] = budget
        else:
            every.append(budget)
    if not every:
        return budgets
    return {source: budgets.get(source, every[0]) for source in sources}


def database_config(url: str, *, conn_max_age: int, name: str = "DATABASE_URL") -> dict[str, Any]:
    """Turn a ``DATABASE_URL`` into a ``DATABASES`` entry.

    SQLite paths are created on demand. For PostgreSQL every query parameter (Neon's
    ``sslmode``, ``options``, ``channel_binding``) passes through to libpq, connections
    persist and are health-checked, and pooled endpoints (``-pooler`` hosts, PgBouncer in
    transaction mode) get server-side cursors disabled.
    """
    scheme = urlsplit(url).scheme
    if scheme != "sqlite" and scheme not in _POSTGRES_SCHEMES:
        got = f"{scheme}://" if scheme else "a value without a scheme"
        raise ConfigError(
            f"{name} must start with sqlite:// or postgres:// (postgresql://), not {got}."
        )
    if scheme == "sqlite":
        config: dict[str, Any] = dict(dj_database_url.parse(url))
        db_name = str(config.get("NAME") or "")
        if db_name and db_name != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(db_name)), exist_ok=True)
        config["OPTIONS"] = {"init_command": "PRAGMA foreign_keys=ON;", "timeout": 20}
        return config
    config = dict(dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True))
    options = dict(config.get("OPTIONS") or {})
    # dj-database-url keeps most parameters; make sure none is dropped.
    options.update(dict(parse_qsl(urlsplit(url).query)))
    config["OPTIONS"] = options
    host = str(config.get("HOST") or "")
    config["DISABLE_SERVER_SIDE_CURSORS"] = "-pooler" in host
    return config


# What the direct (migration) endpoint replaces in the pooled connection's settings.
DIRECT_CONNECTION_KEYS = ("HOST", "PORT", "USER", "PASSWORD", "OPTIONS")


def direct_connection_overrides(pooled_url: str, direct_url: str) -> dict[str, Any] | None:
    """The connection settings to use for schema changes, or None to keep the pooled ones.

    Neon's pooled endpoint (PgBouncer, transaction mode) can't hold the session state
    migrations rely on, so ``migrate`` connects to ``DATABASE_DIRECT_URL`` instead. Only
    where to connect changes: the database NAME stays, so test databases keep working.
    """
    if not direct_url or direct_url == pooled_url:
        return None
    pooled_scheme = urlsplit(pooled_url).scheme
    direct_scheme = urlsplit(direct_url).scheme
    if pooled_scheme not in _POSTGRES_SCHEMES:
        return None
    if direct_scheme not in _POSTGRES_SCHEMES:
        raise ConfigError("DATABASE_DIRECT_URL must be a postgres:// URL when DATABASE_URL is one.")
    direct = database_config(direct_url, conn_max_age=0, name="DATABASE_DIRECT_URL")
    overrides = {key: direct[key] for key in DIRECT_CONNECTION_KEYS}
    overrides["DISABLE_SERVER_SIDE_CURSORS"] = direct["DISABLE_SERVER_SIDE_CURSORS"]
    return overrides


def cache_storage_config(
    *, bucket: str, prefix: str, region: str, local_dir: Path
) -> dict[str, Any]:
    """``STORAGES["cache"]``: the S3 bucket when one is named, else files under ``local_dir``."""
    if bucket:
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "location": prefix.strip("/"),
                "region_name": region or None,
                "file_overwrite": True,
                "default_acl": None,
                "querystring_auth": False,
            },
        }
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Like S3's file_overwrite: a rewritten snapshot keeps its name (no random suffix).
        "OPTIONS": {"location": str(local_dir), "allow_overwrite": True},
    }


def load_secrets_into_environ() -> None:
    """Copy the JSON secret named by ``PARAKEET_SECRETS_ARN`` into missing environment keys."""
    arn = os.environ.get("PARAKEET_SECRETS_ARN", "").strip()
    if not arn:
        return
    from parakeet.secrets import load_secret_values

    for key, value in load_secret_values(arn).items():
        os.environ.setdefault(key, value)
