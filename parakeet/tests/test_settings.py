"""Settings from the environment: database URLs, the production profile, clear failures."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured

import parakeet.settings as project_settings
from parakeet.env import ConfigError, database_config, direct_connection_overrides

BASE_DIR = Path(project_settings.__file__).resolve().parent.parent
SETTINGS_FILE = Path(project_settings.__file__)

NEON_POOLED = (
    "postgresql://app:s3cret@ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech/neondb"
    "?sslmode=require&options=endpoint%3Dep-cool-darkness-123456&channel_binding=require"
)
NEON_DIRECT = NEON_POOLED.replace("-pooler", "")


# --- database_config ----------------------------------------------------------------------


def test_sqlite_url_gives_a_sqlite_database_and_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "db.sqlite3"
    config = database_config(f"sqlite:///{path}", conn_max_age=600)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(path)
    assert path.parent.is_dir()
    assert config["OPTIONS"]["timeout"] == 20


def test_in_memory_sqlite_is_accepted() -> None:
    assert database_config("sqlite:///:memory:", conn_max_age=0)["NAME"] == ":memory:"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_url_gives_persistent_health_checked_connections(scheme: str) -> None:
    config = database_config(f"{scheme}://u:p@db.example:6543/app", conn_max_age=600)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 6543, "app")
    assert (config["USER"], config["PASSWORD"]) == ("u", "p")
    assert config["CONN_MAX_AGE"] == 600
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_neon_parameters_pass_through_to_libpq() -> None:
    config = database_config(NEON_POOLED, conn_max_age=600)
    assert config["OPTIONS"] == {
        "sslmode": "require",
        "options": "endpoint=ep-cool-darkness-123456",
        "channel_binding": "require",
    }
    assert config["NAME"] == "neondb"


def test_server_side_cursors_are_disabled_only_for_pooler_hosts() -> None:
    assert database_config(NEON_POOLED, conn_max_age=0)["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database_config(NEON_DIRECT, conn_max_age=0)["DISABLE_SERVER_SIDE_CURSORS"] is False


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://u:p@host/db", "mysql://"),
        ("http://example.com/db", "http://"),
        ("just-a-path.sqlite3", "a value without a scheme"),
        ("", "a value without a scheme"),
    ],
)
def test_an_unsupported_url_is_a_clear_error_that_hides_credentials(url: str, shown: str) -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        database_config(url, conn_max_age=0)
    message = str(excinfo.value)
    assert message.startswith("DATABASE_URL must start with sqlite:// or postgres://")
    assert shown in message
    assert "u:p" not in message


def test_the_error_names_the_variable_it_came_from() -> None:
    with pytest.raises(ConfigError, match=r"^DATABASE_DIRECT_URL must start"):
        database_config("mysql://x/y", conn_max_age=0, name="DATABASE_DIRECT_URL")


# --- direct endpoint (migrations) ----------------------------------------------------------


def test_direct_overrides_replace_where_to_connect_but_not_the_database_name() -> None:
    overrides = direct_connection_overrides(NEON_POOLED, NEON_DIRECT)
    assert overrides is not None
    assert set(overrides) == {
        "HOST",
        "PORT",
        "USER",
        "PASSWORD",
        "OPTIONS",
        "DISABLE_SERVER_SIDE_CURSORS",
    }
    assert overrides["HOST"] == "ep-cool-darkness-123456.eu-central-1.aws.neon.tech"
    assert overrides["OPTIONS"]["sslmode"] == "require"
    assert overrides["DISABLE_SERVER_SIDE_CURSORS"] is False


@pytest.mark.parametrize(
    ("pooled", "direct"),
    [
        (NEON_POOLED, NEON_POOLED),
        (NEON_POOLED, ""),
        ("sqlite:///var/a.sqlite3", "sqlite:///var/b.sqlite3"),
    ],
)
def test_no_direct_overrides_when_there_is_nothing_to_switch(pooled: str, direct: str) -> None:
    assert direct_connection_overrides(pooled, direct) is None


def test_a_direct_url_of_another_kind_is_refused() -> None:
    with pytest.raises(ConfigError, match="DATABASE_DIRECT_URL"):
        direct_connection_overrides(NEON_POOLED, "sqlite:///x.sqlite3")


# --- the settings module, loaded afresh -----------------------------------------------------

_OURS = ("DJANGO_", "PARAKEET_", "DATABASE_", "AWS_")


def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> ModuleType:
    """Execute parakeet/settings.py as a new module under exactly ``env`` (plus a var dir)."""
    for key in list(os.environ):
        if (key.startswith(_OURS) and key != "DJANGO_SETTINGS_MODULE") or key == "ALLOWED_HOSTS":
            monkeypatch.delenv(key)
    monkeypatch.setenv("PARAKEET_VAR_DIR", str(tmp_path / "var"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("parakeet_settings_probe", SETTINGS_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "api.parakeet.example,origin.parakeet.example",
        "PARAKEET_JWT_SECRET": secrets.token_hex(32),
        "PARAKEET_JWT_ISSUER": "https://auth.parakeet.example/",
        "PARAKEET_JWT_AUDIENCE": "parakeet-api",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value != "<unset>"}


def test_local_defaults_need_no_environment(monkeypatch, tmp_path) -> None:
    module = load_settings(monkeypatch, tmp_path, DJANGO_DEBUG="true")
    var = tmp_path / "var"
    assert module.DEBUG is True
    assert module.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert module.DATABASES["default"]["NAME"] == str(var / "parakeet.sqlite3")
    assert module.DATABASE_DIRECT_URL == module.DATABASE_URL
    assert module.SECRET_KEY.startswith("dev-only-")
    assert (var / ".dev_secret_key").read_text() == module.SECRET_KEY
    assert module.PARAKEET_AUTH_REQUIRED is False
    assert module.STORAGES["cache"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(var / "storage"), "allow_overwrite": True},
    }


def test_debug_defaults_to_off(monkeypatch, tmp_path) -> None:
    module = load_settings(monkeypatch, tmp_path, **production_env(DJANGO_DEBUG="<unset>"))
    assert module.DEBUG is False
    assert module.PARAKEET_AUTH_REQUIRED is True


def test_the_production_profile_is_hardened(monkeypatch, tmp_path) -> None:
    module = load_settings(monkeypatch, tmp_path, **production_env())
    assert module.ALLOWED_HOSTS == ["api.parakeet.example", "origin.parakeet.example"]
    assert module.SECURE_SSL_REDIRECT is True
    assert module.SECURE_HSTS_SECONDS >= 31_536_000
    assert module.SESSION_COOKIE_SECURE is True
    assert module.CSRF_COOKIE_SECURE is True
    assert module.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert module.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise.storage.")


def test_neon_urls_configure_the_pooled_runtime_and_the_direct_migrations(
    monkeypatch, tmp_path
) -> None:
    module = load_settings(
        monkeypatch,
        tmp_path,
        **production_env(DATABASE_URL=NEON_POOLED, DATABASE_DIRECT_URL=NEON_DIRECT),
    )
    default = module.DATABASES["default"]
    assert default["HOST"].endswith("-pooler.eu-central-1.aws.neon.tech")
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert default["CONN_MAX_AGE"] == 600
    assert default["CONN_HEALTH_CHECKS"] is True
    assert default["OPTIONS"]["channel_binding"] == "require"
    assert module.DATABASE_DIRECT_URL == NEON_DIRECT


def test_a_bad_direct_url_fails_at_start_up(monkeypatch, tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"^DATABASE_DIRECT_URL must start"):
        load_settings(
            monkeypatch,
            tmp_path,
            DJANGO_DEBUG="true",
            DATABASE_URL=NEON_POOLED,
            DATABASE_DIRECT_URL="mysql://x/y",
        )


def test_an_s3_bucket_switches_the_cache_storage_to_s3(monkeypatch, tmp_path) -> None:
    module = load_settings(
        monkeypatch,
        tmp_path,
        DJANGO_DEBUG="true",
        PARAKEET_S3_BUCKET="parakeet-cache",
        PARAKEET_S3_PREFIX="/prod/",
        AWS_REGION="ap-southeast-2",
    )
    assert module.STORAGES["cache"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "parakeet-cache",
            "location": "prod",
            "region_name": "ap-southeast-2",
            "file_overwrite": True,
            "default_acl": None,
            "querystring_auth": False,
        },
    }


def test_cors_origins_are_trimmed_and_a_wildcard_is_dropped(monkeypatch, tmp_path) -> None:
    module = load_settings(
        monkeypatch,
        tmp_path,
        DJANGO_DEBUG="true",
        PARAKEET_CORS_ORIGINS=" https://app.example , *,, https://www.app.example",
    )
    assert module.CORS_ALLOWED_ORIGINS == ["https://app.example", "https://www.app.example"]


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "ALLOWED_HOSTS",
        "PARAKEET_JWT_SECRET",
        "PARAKEET_JWT_ISSUER",
        "PARAKEET_JWT_AUDIENCE",
    ],
)
def test_production_refuses_to_start_without_a_required_variable(
    monkeypatch, tmp_path, missing: str
) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(monkeypatch, tmp_path, **production_env(**{missing: "<unset>"}))
    assert str(excinfo.value).startswith(f"{missing} must be set in production")


def test_production_without_auth_needs_no_jwt_settings(monkeypatch, tmp_path) -> None:
    env = production_env(
        PARAKEET_AUTH_REQUIRED="false",
        PARAKEET_JWT_SECRET="<unset>",
        PARAKEET_JWT_ISSUER="<unset>",
        PARAKEET_JWT_AUDIENCE="<unset>",
    )
    assert load_settings(monkeypatch, tmp_path, **env).PARAKEET_AUTH_REQUIRED is False


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-" + "x1y2z3" * 10,
        "dev-only-" + secrets.token_urlsafe(48),
        secrets.token_urlsafe(20),
        "ab" * 40,
    ],
)
def test_production_rejects_insecure_secret_keys(monkeypatch, tmp_path, key: str) -> None:
    with pytest.raises(ConfigError, match=r"^DJANGO_SECRET_KEY must be a random value"):
        load_settings(monkeypatch, tmp_path, **production_env(DJANGO_SECRET_KEY=key))


@pytest.mark.parametrize(
    ("name", "value"),
    [("DJANGO_DEBUG", "maybe"), ("DATABASE_CONN_MAX_AGE", "ten"), ("PARAKEET_RISK_FREE_RATE", "x")],
)
def test_malformed_values_name_their_variable(monkeypatch, tmp_path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} must be"):
        load_settings(monkeypatch, tmp_path, **{"DJANGO_DEBUG": "true", name: value})


def test_secrets_manager_values_fill_in_missing_variables(monkeypatch, tmp_path) -> None:
    from moto import mock_aws

    secret_key = secrets.token_urlsafe(64)
    with mock_aws():
        monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
        import boto3

        client = boto3.client("secretsmanager", region_name="ap-southeast-2")
        arn = client.create_secret(
            Name=f"parakeet/test/{secrets.token_hex(4)}",
            SecretString=json.dumps(
                {
                    "DATABASE_URL": NEON_POOLED,
                    "DJANGO_SECRET_KEY": secret_key,
                    "PARAKEET_JWT_AUDIENCE": "from-secret",
                }
            ),
        )["ARN"]
        env = production_env(DJANGO_SECRET_KEY="<unset>", PARAKEET_JWT_AUDIENCE="real-env-wins")
        module = load_settings(
            monkeypatch,
            tmp_path,
            PARAKEET_SECRETS_ARN=arn,
            AWS_DEFAULT_REGION="ap-southeast-2",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            **env,
        )
    assert secret_key == module.SECRET_KEY
    assert module.DATABASES["default"]["HOST"].endswith("-pooler.eu-central-1.aws.neon.tech")
    assert module.PARAKEET_JWT_AUDIENCE == "real-env-wins"


# --- manage.py in a subprocess --------------------------------------------------------------


def run_manage(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_OURS) and key not in {"ALLOWED_HOSTS", "PYTEST_CURRENT_TEST"}
    }
    base["PARAKEET_VAR_DIR"] = str(tmp_path / "var")
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_a_complete_production_environment(tmp_path: Path) -> None:
    result = run_manage(tmp_path, production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (production_env(DJANGO_SECRET_KEY="<unset>"), "DJANGO_SECRET_KEY"),
        (production_env(ALLOWED_HOSTS="<unset>"), "ALLOWED_HOSTS"),
        (production_env(PARAKEET_JWT_ISSUER="<unset>"), "PARAKEET_JWT_ISSUER"),
        (production_env(DJANGO_SECRET_KEY="django-insecure-" + "k9" * 30), "DJANGO_SECRET_KEY"),
        (production_env(DJANGO_DEBUG="nope"), "DJANGO_DEBUG"),
    ],
)
def test_a_misconfigured_process_fails_with_one_line_naming_the_variable(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = run_manage(tmp_path, env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"ImproperlyConfigured: {variable} ")
    assert "Traceback" not in result.stderr
