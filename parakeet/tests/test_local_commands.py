"""``ensure_local_admin`` and ``load_demo_data``: the local-development commands of ``make run``."""

from __future__ import annotations

import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from parakeet.management.commands import load_demo_data
from trades.demo import DEMO_TRADE_COUNT
from trades.models import Trade

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def local_settings(settings, tmp_path: Path):
    # pytest-django runs tests with DEBUG off; these commands are for DEBUG (local) only.
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path / "var"
    return settings


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_ensure_local_admin_creates_a_superuser_with_a_printed_and_saved_password(local_settings):
    output = run("ensure_local_admin")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    saved = local_settings.VAR_DIR / "local-admin.txt"
    lines = saved.read_text().splitlines()
    assert lines[0] == "username: admin"
    password = lines[1].removeprefix("password: ")
    assert len(password) >= 20
    assert f"with password: {password}" in output
    assert str(saved) in output
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert authenticate(username="admin", password=password) == admin


def test_ensure_local_admin_does_nothing_when_a_superuser_exists(local_settings):
    run("ensure_local_admin")
    saved = local_settings.VAR_DIR / "local-admin.txt"
    first_password = saved.read_text()
    password_hash = User.objects.get(username="admin").password

    output = run("ensure_local_admin")

    assert "A superuser already exists (admin)" in output
    assert "password:" not in output
    assert User.objects.count() == 1
    assert User.objects.get(username="admin").password == password_hash
    assert saved.read_text() == first_password


def test_ensure_local_admin_leaves_another_existing_superuser_alone(local_settings):
    User.objects.create_superuser(username="ops", email="ops@example.com", password="x" * 20)

    output = run("ensure_local_admin")

    assert "A superuser already exists (ops)" in output
    assert not User.objects.filter(username="admin").exists()
    assert not (local_settings.VAR_DIR / "local-admin.txt").exists()


def test_ensure_local_admin_refuses_to_promote_an_ordinary_user_named_admin(local_settings):
    User.objects.create_user(username="admin", password="y" * 20)

    with pytest.raises(CommandError, match="not a superuser"):
        run("ensure_local_admin")

    assert not User.objects.get(username="admin").is_superuser


def test_ensure_local_admin_tightens_the_mode_of_an_existing_password_file(local_settings):
    saved = local_settings.VAR_DIR / "local-admin.txt"
    saved.parent.mkdir(parents=True)
    saved.write_text("stale")
    saved.chmod(0o644)

    run("ensure_local_admin")

    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert saved.read_text().startswith("username: admin\n")


def test_ensure_local_admin_refuses_to_run_with_debug_off(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path

    with pytest.raises(CommandError, match="DEBUG off"):
        run("ensure_local_admin")

    assert not User.objects.exists()
    assert not (tmp_path / "local-admin.txt").exists()


TRADES_LOADER = "trades.demo.load_demo_trades"


@pytest.fixture
def trades_loader_only(monkeypatch):
    """The market loader has tests of its own; keep these about the command and trades."""
    monkeypatch.setattr(load_demo_data, "DEMO_LOADERS", (TRADES_LOADER,))


def test_every_app_with_demo_data_registers_its_loader():
    assert load_demo_data.DEMO_LOADERS == (TRADES_LOADER, "market.demo.load_demo_market")


def test_load_demo_data_runs_the_trades_loader_and_prints_one_line_per_loader(
    local_settings, trades_loader_only
):
    output = run("load_demo_data")

    assert output.splitlines() == [
        f"trades.demo.load_demo_trades: demo trades: {DEMO_TRADE_COUNT} created, 0 updated, "
        f"0 unchanged ({DEMO_TRADE_COUNT} in the set)"
    ]
    assert Trade.objects.count() == DEMO_TRADE_COUNT


def test_load_demo_data_twice_changes_nothing_the_second_time(local_settings, trades_loader_only):
    run("load_demo_data")
    before = list(Trade.objects.order_by("trade_id").values())

    output = run("load_demo_data")

    assert f"0 created, 0 updated, {DEMO_TRADE_COUNT} unchanged" in output
    assert list(Trade.objects.order_by("trade_id").values()) == before


def test_load_demo_data_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        run("load_demo_data")

    assert not Trade.objects.exists()
