"""Keeping secrets out of log lines.

Two layers: :class:`RedactionFilter` rewrites each record's message (and exception text) before
any handler sees it, and the formatters in :mod:`parakeet.observability.logs` redact the
final line too, which covers extras, ``repr()`` of objects and Powertools' stack traces.

What is masked (as ``***``):

- the values of the secret settings and environment variables (:data:`SECRET_SETTINGS`,
  :data:`SECRET_ENVIRON`), their passwords alone, and their JSON-escaped forms;
- credentials in any URL: ``postgres://user:***@host``;
- values of ``Authorization``, ``X-API-Key``, ``X-Parakeet-Origin-Secret``, ``Cookie`` headers
  (in any spelling: ``HTTP_AUTHORIZATION``, ``'authorization': 'Bearer ...'``);
- ``token=``, ``api_key=``, ``password=``, ``secret=`` parameters; JSON Web Tokens.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
MIN_SECRET_LENGTH = 4

SECRET_SETTINGS = (
    "DATABASE_URL",
    "DATABASE_DIRECT_URL",
    "SECRET_KEY",
    "PARAKEET_JWT_SECRET",
    "TIINGO_API_KEY",
    "PARAKEET_ORIGIN_SECRET",
)
SECRET_ENVIRON = (
    "DATABASE_URL",
    "DATABASE_DIRECT_URL",
    "DJANGO_SECRET_KEY",
    "PARAKEET_JWT_SECRET",
    "TIINGO_API_KEY",
    "PARAKEET_ORIGIN_SECRET",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)

_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s\"'<>]*:)[^@/\s\"'<>]+@")
_HEADERS = (
    r"(?:http_)?(?:proxy[-_])?authorization|(?:http_)?x[-_]api[-_]key"
    r"|(?:http_)?x[-_]parakeet[-_]origin[-_]secret|(?:http_)?cookie|set[-_]cookie"
)
_HEADER_VALUE = re.compile(
    rf"(?i)(?<![\w-])({_HEADERS})(\\?[\"']?\s*[:=]\s*\\?[\"']?)"
    r"((?:bearer|basic|token)\s+)?([^\"'\s,;}\\]+(?:;\s*[^\"'\s,;}\\]+)*)"
)
_PARAMETER = re.compile(
    r"(?i)(?<![\w-])((?:access_|refresh_|id_)?token|api[-_]?key|apikey|password|passwd|secret"
    r"|client_secret)(\\?[\"']?\s*[=:]\s*\\?[\"']?)([^&\"'\s,}\\]+)"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def _secret_forms(value: str) -> Iterable[str]:
    """The value, its URL password (plain and decoded) and their JSON-escaped spellings."""
    forms = {value}
    if "://" in value:
        try:
            password = urlsplit(value).password
        except ValueError:
            password = None
        if password:
            forms.update({password, unquote(password)})
    for form in list(forms):
        forms.add(json.dumps(form)[1:-1])
    return (f for f in forms if len(f) >= MIN_SECRET_LENGTH)


def secret_values() -> tuple[str, ...]:
    """The current secret values from settings (when configured) and the environment."""
    values: set[str] = set()
    for name in SECRET_ENVIRON:
        raw = os.environ.get(name, "")
        if raw.strip():
            values.add(raw.strip())
    try:
        from django.conf import settings

        if settings.configured:
            for name in SECRET_SETTINGS:
                raw = getattr(settings, name, "")
                if isinstance(raw, str) and raw.strip():
                    values.add(raw.strip())
    except Exception:  # redaction must never break logging  # noqa: S110
        pass
    return tuple(sorted(values))


@functools.lru_cache(maxsize=8)
def _literal_pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    forms = {form for value in values for form in _secret_forms(value)}
    if not forms:
        return None
    # Longest first, so a URL is masked whole before its password alone is considered.
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def redact(text: str, values: tuple[str, ...] | None = None) -> str:
    """``text`` with every secret masked."""
    if not text:
        return text
    literal = _literal_pattern(secret_values() if values is None else values)
    if literal is not None:
        text = literal.sub(MASK, text)
    text = _URL_CREDENTIALS.sub(rf"\1{MASK}@", text)
    text = _HEADER_VALUE.sub(rf"\1\2\3{MASK}", text)
    text = _PARAMETER.sub(rf"\1\2{MASK}", text)
    return _JWT.sub(MASK, text)


class RedactionFilter(logging.Filter):
    """Masks secrets in the record's message and exception text (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.msg, str) or record.args:
                record.msg = redact(record.getMessage())
                record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
        except Exception:  # a malformed record is logged as it is  # noqa: S110
            pass
        return True
