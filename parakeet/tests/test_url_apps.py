"""PARAKEET_URL_APPS: a function mounts only the routes API Gateway sends it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parakeet.env import ConfigError
from parakeet.tests.test_settings import load_settings
from parakeet.urlconf import URL_APPS, UnknownUrlApp, validated_url_apps
from trades.models import Trade

ROOT = Path(__file__).resolve().parents[2]


def test_apps_are_mounted_in_the_project_order_whatever_the_order_given() -> None:
    assert validated_url_apps(["scanner", " trades ", ""]) == ("trades", "scanner")
    assert validated_url_apps(URL_APPS) == URL_APPS


def test_an_unknown_app_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownUrlApp, match=r"unknown apps \['ingest'\]; choose from trades"):
        validated_url_apps(["trades", "ingest"])


def test_every_app_is_mounted_by_default(monkeypatch, tmp_path) -> None:
    settings = load_settings(monkeypatch, tmp_path, DJANGO_DEBUG="true")

    assert settings.PARAKEET_URL_APPS == ("trades", "market", "strategies", "scanner")


def test_the_setting_comes_from_the_environment(monkeypatch, tmp_path) -> None:
    settings = load_settings(monkeypatch, tmp_path, DJANGO_DEBUG="true", PARAKEET_URL_APPS="trades")

    assert settings.PARAKEET_URL_APPS == ("trades",)


def test_a_typo_in_the_setting_stops_start_up_naming_the_variable(monkeypatch, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"^PARAKEET_URL_APPS: unknown apps \['trade'\]"):
        load_settings(monkeypatch, tmp_path, DJANGO_DEBUG="true", PARAKEET_URL_APPS="trade")


@pytest.mark.urls("parakeet.tests.trades_only_urls")
@pytest.mark.django_db
def test_a_trades_only_function_serves_trades_and_answers_other_apps_with_the_json_404(
    client,
) -> None:
    created = client.post(
        "/api/trades/",
        {
            "ticker": "AAPL",
            "direction": "BUY",
            "entry_price": 10,
            "quantity": 1,
            "entry_date": "2026-11-02T15:00:00Z",
        },
        content_type="application/json",
    )
    scanner = client.get("/api/scanner")

    assert created.status_code == 201, created.json()
    assert Trade.objects.filter(ticker="AAPL").count() == 1
    assert client.get("/api/trades/").json()["total"] == 1
    assert scanner.status_code == 404
    assert scanner.json() == {"detail": "Not Found"}


@pytest.mark.urls("parakeet.tests.trades_only_urls")
@pytest.mark.django_db
def test_a_trades_only_function_still_documents_the_whole_api(client, settings) -> None:
    settings.PARAKEET_URL_APPS = ("trades",)

    paths = client.get("/openapi.json").json()["paths"]

    for prefix in ("/api/trades/", "/api/data/", "/api/strategies/", "/api/scanner/"):
        assert any(path.startswith(prefix) for path in paths), prefix


def test_a_trades_only_lambda_init_imports_no_other_apps_views(tmp_path) -> None:
    probe = (
        "import json, sys\n"
        "import parakeet.lambda_handler\n"
        "apps = ('market', 'strategies', 'scanner', 'ingest')\n"
        "views = {'urls', 'api', 'serializers', 'services', 'sources'}\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in apps\n"
        "          and views & set(m.split('.')[1:])]\n"
        "loaded += [m for m in ('httpx', 'jwt', 'pandas') if m in sys.modules]\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PARAKEET_", "DATABASE_"))
    }
    env.update(
        DJANGO_DEBUG="true",
        PARAKEET_URL_APPS="trades",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        PARAKEET_VAR_DIR=str(tmp_path / "var"),
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert completed.returncode == 0, completed.stderr[-2000:]
    loaded = json.loads(completed.stdout.strip().splitlines()[-1])
    # The admin (mounted everywhere) loads the other apps' models and admin modules; their
    # URLs, views, serializers, services, sources and HTTP clients stay unloaded.
    assert loaded == []
