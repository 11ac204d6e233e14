"""``PARAKEET_INGEST_REQUEST_BUDGETS`` from the environment, and the budgets a run gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.source_settings import DEFAULT_REQUEST_BUDGET, request_budgets
from ingest.sources import SourceName
from parakeet.env import ConfigError
from parakeet.tests.test_settings import load_settings, run_manage

VARIABLE = "PARAKEET_INGEST_REQUEST_BUDGETS"


def budgets_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str | None) -> Any:
    env = {"DJANGO_DEBUG": "true"} | ({VARIABLE: value} if value is not None else {})
    return load_settings(monkeypatch, tmp_path, **env).PARAKEET_INGEST_REQUEST_BUDGETS


def test_the_settings_parser_knows_every_source(monkeypatch, tmp_path) -> None:
    module = load_settings(monkeypatch, tmp_path, DJANGO_DEBUG="true")

    assert set(module._INGEST_SOURCES) == {str(name) for name in SourceName}


@pytest.mark.parametrize("value", [None, "", " , "])
def test_unset_leaves_every_source_on_the_default(monkeypatch, tmp_path, settings, value) -> None:
    settings.PARAKEET_INGEST_REQUEST_BUDGETS = budgets_from(monkeypatch, tmp_path, value)

    assert settings.PARAKEET_INGEST_REQUEST_BUDGETS == {}
    assert {name: b.max_requests for name, b in request_budgets().items()} == {
        SourceName.TIINGO: DEFAULT_REQUEST_BUDGET,
        SourceName.YAHOO: DEFAULT_REQUEST_BUDGET,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tiingo=5000,yahoo=20000", {"tiingo": 5000, "yahoo": 20000}),
        (" Tiingo = 5000 ", {"tiingo": 5000}),
        ("yahoo=none", {"yahoo": None}),
        ("tiingo=0", {"tiingo": 0}),
        ("2000", {"tiingo": 2000, "yahoo": 2000}),
        ("2000,yahoo=20000", {"tiingo": 2000, "yahoo": 20000}),
        ("tiingo=500, NONE", {"tiingo": 500, "yahoo": None}),
    ],
)
def test_budgets_per_source_or_for_every_source(monkeypatch, tmp_path, value, expected) -> None:
    assert budgets_from(monkeypatch, tmp_path, value) == expected


def test_a_run_gets_the_configured_budgets(monkeypatch, tmp_path, settings) -> None:
    configured = budgets_from(monkeypatch, tmp_path, "tiingo=5000,yahoo=none")
    settings.PARAKEET_INGEST_REQUEST_BUDGETS = configured

    budgets = request_budgets()

    assert budgets[SourceName.TIINGO].max_requests == 5000
    assert budgets[SourceName.YAHOO].max_requests is None
    assert budgets[SourceName.YAHOO].exhausted is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "must be source=N pairs"),
        ("tiingo=lots", "must be source=N pairs"),
        ("tiingo=", "must be source=N pairs"),
        ("tiingo=-1", "must be source=N pairs"),
        ("tiingo=1.5", "must be source=N pairs"),
        ("bing=100", "unknown source 'bing' (known: tiingo, yahoo)"),
        ("tiingo=1,tiingo=2", "gives tiingo two budgets"),
        ("100,200", "gives every source two budgets"),
    ],
)
def test_a_malformed_value_names_the_variable(monkeypatch, tmp_path, value, message) -> None:
    with pytest.raises(ConfigError, match=rf"^{VARIABLE} ") as caught:
        budgets_from(monkeypatch, tmp_path, value)

    assert message in str(caught.value)


def test_a_malformed_value_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = run_manage(tmp_path, {"DJANGO_DEBUG": "true", VARIABLE: "tiingo=lots"}, "check")

    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        f"ImproperlyConfigured: {VARIABLE} must be source=N pairs such as "
        "tiingo=5000,yahoo=20000 (N a whole number, or none for no cap), not 'tiingo=lots'."
    ]
