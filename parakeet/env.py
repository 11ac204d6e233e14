"""Reading configuration from the environment, with clear errors for people.

Kept free of Django imports beyond ``ImproperlyConfigured`` so settings can use it.
"""

from __future__ import annotations

import os
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def require(name: str, what: str) -> NoReturn:
    raise ImproperlyConfigured(f"{name} must be set in production (DJANGO_DEBUG=false): {what}.")


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
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_config(url: str, *, conn_max_age: int) -> dict[str, Any]:
    """Turn a ``DATABASE_URL`` into a ``DATABASES`` entry.

    SQLite paths are created on demand. For PostgreSQL every query parameter (Neon's
    ``sslmode``, ``options``, ``channel_binding``) passes through to libpq, connections
    persist and are health-checked, and pooled endpoints (``-pooler`` hosts, PgBouncer in
    transaction mode) get server-side cursors disabled.
    """
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with sqlite:// or postgres://, not {scheme or 'nothing'}://."
        )
    if scheme == "sqlite":
        config: dict[str, Any] = dict(dj_database_url.parse(url))
        name = str(config.get("NAME") or "")
        if name and name != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(name)), exist_ok=True)
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


def load_secrets_into_environ() -> None:
    """Copy the JSON secret named by ``PARAKEET_SECRETS_ARN`` into missing environment keys."""
    arn = os.environ.get("PARAKEET_SECRETS_ARN", "").strip()
    if not arn:
        return
    from parakeet.secrets import load_secret_values

    for key, value in load_secret_values(arn).items():
        os.environ.setdefault(key, value)
