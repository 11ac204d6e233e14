"""Settings that tune the Lambda runtime and the task runs, read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from parakeet.lambda_runtime.allowlist import DEFAULT_COMMANDS
from parakeet.tests.test_settings import load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = load_settings(monkeypatch, tmp_path, DJANGO_DEBUG="true")

    assert module.PARAKEET_TASK_TIMEOUT_S == 900
    assert list(DEFAULT_COMMANDS) == module.PARAKEET_LAMBDA_COMMANDS
    assert "migrate" in module.PARAKEET_LAMBDA_COMMANDS
    assert "shell" not in module.PARAKEET_LAMBDA_COMMANDS


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = load_settings(
        monkeypatch,
        tmp_path,
        DJANGO_DEBUG="true",
        PARAKEET_TASK_TIMEOUT_S="60",
        PARAKEET_LAMBDA_COMMANDS="migrate, check",
    )

    assert module.PARAKEET_TASK_TIMEOUT_S == 60
    assert module.PARAKEET_LAMBDA_COMMANDS == ["migrate", "check"]


def test_a_timeout_that_is_not_a_number_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(Exception, match="PARAKEET_TASK_TIMEOUT_S"):
        load_settings(monkeypatch, tmp_path, DJANGO_DEBUG="true", PARAKEET_TASK_TIMEOUT_S="soon")


def test_the_api_gateway_base_path_comes_from_the_environment(monkeypatch, tmp_path) -> None:
    from parakeet.lambda_runtime.stage import parse_base_paths

    settings = load_settings(
        monkeypatch, tmp_path, DJANGO_DEBUG="true", PARAKEET_API_GATEWAY_BASE_PATH=" v1,orders/v2/"
    )

    assert parse_base_paths(settings.PARAKEET_API_GATEWAY_BASE_PATH) == ("/v1", "/orders/v2")
