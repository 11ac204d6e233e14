"""Which apps' routes a process mounts, and their URL patterns.

Every Lambda function runs the same code, but API Gateway only ever sends a function the
routes it owns (``parakeet/deploy/functions.json``): the trades function never sees
``/api/scanner``. ``PARAKEET_URL_APPS`` names the apps whose URL modules (and so views,
serializers and services) a function imports at init; everything else answers the JSON 404.
Unset, every app is mounted (local runs, ``serve_lambda``, tests). ``/openapi.json`` always
documents the whole API: it reads :mod:`parakeet.urls_openapi`, imported on its first request.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.urls import URLPattern, URLResolver

# Mounted in this order; each app's ``urls`` module holds ``urlpatterns``.
URL_APPS: tuple[str, ...] = ("trades", "market", "strategies", "scanner")


class UnknownUrlApp(ValueError):
    pass


def validated_url_apps(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` in mounting order; an unknown name raises :class:`UnknownUrlApp`."""
    wanted = {name.strip() for name in names if name.strip()}
    unknown = sorted(wanted - set(URL_APPS))
    if unknown:
        raise UnknownUrlApp(f"unknown apps {unknown}; choose from {', '.join(URL_APPS)}")
    return tuple(app for app in URL_APPS if app in wanted)


def app_urlpatterns(apps: Iterable[str]) -> list[URLPattern | URLResolver]:
    patterns: list[URLPattern | URLResolver] = []
    for app in apps:
        patterns.extend(import_module(f"{app}.urls").urlpatterns)
    return patterns
