"""Lambda SnapStart hooks: what to undo before a snapshot and redo after each restore.

On Lambda with SnapStart the runtime provides ``snapshot_restore_py``; elsewhere (laptop, CI,
Lambda without SnapStart) :func:`install` does nothing. Before the snapshot, database
connections are closed (a socket in a snapshot is shared by every restored copy); after a
restore, ``random`` is re-seeded (every copy would otherwise draw the same numbers) and cached
AWS clients are dropped so they are re-created with fresh connections and credentials. Other
modules can add restore steps with :func:`on_restore`.

Modules kept off the init path for plain cold starts (:data:`DEFERRED_IMPORTS`) are imported
before the snapshot, so every restored copy starts with them loaded ("priming").
"""

from __future__ import annotations

import importlib
import logging
import random
import sys
from collections.abc import Callable

logger = logging.getLogger("parakeet.lambda")

RestoreHook = Callable[[], None]
_restore_hooks: list[RestoreHook] = []

# Imported on first use rather than at init (see each module's docstring for why).
DEFERRED_IMPORTS: tuple[str, ...] = ("parakeet.auth.jwt_verification",)
_installed = False


def on_restore(hook: RestoreHook) -> RestoreHook:
    """Register ``hook`` to run after every SnapStart restore (usable as a decorator)."""
    if hook not in _restore_hooks:
        _restore_hooks.append(hook)
    return hook


def close_database_connections() -> None:
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()


def reseed_random() -> None:
    random.seed()  # from os.urandom


def reset_cached_clients() -> None:
    """Forget boto3's default session and Powertools' cached providers (if loaded)."""
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        vars(boto3)["DEFAULT_SESSION"] = None
    if "aws_lambda_powertools.utilities.parameters" in sys.modules:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]


def prime_deferred_imports() -> None:
    for module in DEFERRED_IMPORTS:
        importlib.import_module(module)


def before_snapshot() -> None:
    logger.info("SnapStart: priming deferred imports, closing database connections")
    prime_deferred_imports()
    close_database_connections()


def after_restore() -> None:
    reseed_random()
    reset_cached_clients()
    for hook in list(_restore_hooks):
        try:
            hook()
        except Exception:
            logger.exception("SnapStart restore hook %r failed", hook)
    logger.info("SnapStart: restored")


def install() -> bool:
    """Register the hooks with the runtime once; ``False`` when not running under SnapStart."""
    global _installed
    if _installed:
        return True
    try:
        runtime = importlib.import_module("snapshot_restore_py")
    except ImportError:
        return False
    runtime.register_before_snapshot(before_snapshot)
    runtime.register_after_restore(after_restore)
    _installed = True
    return True


def reset_for_tests() -> None:
    global _installed
    _installed = False
    _restore_hooks.clear()
