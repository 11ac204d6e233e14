"""SnapStart hooks, with a stand-in for the runtime's ``snapshot_restore_py`` module."""

from __future__ import annotations

import random
import sys
import types

import boto3
import pytest

from parakeet import snapstart


@pytest.fixture
def fake_runtime(monkeypatch):
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.before = []  # type: ignore[attr-defined]
    runtime.after = []  # type: ignore[attr-defined]
    runtime.register_before_snapshot = runtime.before.append  # type: ignore[attr-defined]
    runtime.register_after_restore = runtime.after.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    snapstart.reset_for_tests()
    yield runtime
    snapstart.reset_for_tests()


def test_without_the_runtime_module_install_is_a_no_op(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    snapstart.reset_for_tests()

    assert snapstart.install() is False


def test_install_registers_both_hooks_once(fake_runtime):
    assert snapstart.install() is True
    assert snapstart.install() is True

    assert fake_runtime.before == [snapstart.before_snapshot]
    assert fake_runtime.after == [snapstart.after_restore]


def test_before_snapshot_closes_database_connections(fake_runtime, monkeypatch):
    closed: list[bool] = []
    monkeypatch.setattr(snapstart, "close_database_connections", lambda: closed.append(True))
    snapstart.install()

    for hook in fake_runtime.before:
        hook()

    assert closed == [True]


def test_close_database_connections_closes_every_open_connection(monkeypatch):
    from django.db import connections

    class FakeConnection:
        closed = False

        def close(self) -> None:
            self.closed = True

    opened = [FakeConnection(), FakeConnection()]
    asked: list[bool] = []

    def all_connections(initialized_only: bool = False):
        asked.append(initialized_only)
        return opened

    monkeypatch.setattr(connections, "all", all_connections)

    snapstart.close_database_connections()

    assert asked == [True]  # never opens a connection just to close it
    assert all(c.closed for c in opened)


def test_after_restore_reseeds_random_and_resets_clients(fake_runtime):
    snapstart.install()
    boto3.setup_default_session(region_name="us-east-1")
    calls: list[str] = []
    snapstart.on_restore(lambda: calls.append("app hook"))

    random.seed(42)
    expected_after_seed = random.random()
    random.seed(42)
    for hook in fake_runtime.after:
        hook()

    assert random.random() != expected_after_seed
    assert boto3.DEFAULT_SESSION is None
    assert calls == ["app hook"]


def test_a_failing_restore_hook_does_not_stop_the_others(fake_runtime):
    calls: list[str] = []

    @snapstart.on_restore
    def broken() -> None:
        raise RuntimeError("nope")

    snapstart.on_restore(lambda: calls.append("ran"))

    snapstart.after_restore()

    assert calls == ["ran"]


def test_before_snapshot_imports_the_deferred_modules(fake_runtime, monkeypatch):
    monkeypatch.setattr(snapstart, "close_database_connections", lambda: None)
    for module in snapstart.DEFERRED_IMPORTS:
        monkeypatch.delitem(sys.modules, module, raising=False)
    snapstart.install()

    for hook in fake_runtime.before:
        hook()

    assert snapstart.DEFERRED_IMPORTS == ("parakeet.auth.jwt_verification",)
    assert all(module in sys.modules for module in snapstart.DEFERRED_IMPORTS)
