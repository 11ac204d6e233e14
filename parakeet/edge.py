"""Trust at the origin: the Cloudflare edge's shared secret and the client IP it reports.

With ``settings.PARAKEET_ORIGIN_SECRET`` set, a request to the API (``/api`` and below) must
carry ``X-Parakeet-Origin-Secret`` with that value (compared in constant time), or it gets
``403 {"detail": "Forbidden"}`` before any view runs. ``CF-Connecting-IP`` becomes
``REMOTE_ADDR`` only when the secret matched: without it, anyone could claim any address.
The secret header is removed from the environ so nothing downstream can log it.

A WSGI wrapper (not Django middleware) so the refusal happens before Django does any work;
it marks the environ, so wrapping an application twice checks once.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.conf import settings
from django.utils.crypto import constant_time_compare

SECRET_KEY = "HTTP_X_PARAKEET_ORIGIN_SECRET"
CLIENT_IP_KEY = "HTTP_CF_CONNECTING_IP"
CHECKED_KEY = "parakeet.edge_checked"
TRUSTED_KEY = "parakeet.edge_trusted"
PROTECTED_PREFIX = "/api"
FORBIDDEN_BODY = json.dumps({"detail": "Forbidden"}).encode()


def is_protected_path(path_info: str) -> bool:
    return path_info == PROTECTED_PREFIX or path_info.startswith(PROTECTED_PREFIX + "/")


def client_ip(value: str) -> str | None:
    """A valid IP address from ``CF-Connecting-IP``, else ``None``."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def secret_matches(expected: str, supplied: str) -> bool:
    return bool(expected) and bool(supplied) and constant_time_compare(supplied, expected)


class OriginSecretMiddleware:
    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get(CHECKED_KEY):
            return self.app(environ, start_response)
        environ[CHECKED_KEY] = True
        expected: str = getattr(settings, "PARAKEET_ORIGIN_SECRET", "") or ""
        supplied = str(environ.pop(SECRET_KEY, ""))
        trusted = secret_matches(expected, supplied)
        environ[TRUSTED_KEY] = trusted
        if trusted:
            address = client_ip(str(environ.get(CLIENT_IP_KEY, "")))
            if address:
                environ["REMOTE_ADDR"] = address
        elif expected and is_protected_path(environ.get("PATH_INFO", "")):
            start_response(
                "403 Forbidden",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(FORBIDDEN_BODY))),
                ],
            )
            return [FORBIDDEN_BODY]
        return self.app(environ, start_response)
