"""Step ``migrate``: run ``migrate`` on the new version of the ingest function.

The command event is ``{"command": "migrate", "args": ["--no-input"]}``, invoked synchronously
on the published version (not ``live``), so the schema changes come from the code being
deployed. On Lambda the project's ``migrate`` connects through ``DATABASE_DIRECT_URL`` and holds
a PostgreSQL advisory lock, so two deploys never migrate at once (see
``parakeet/management/commands/migrate.py``).
"""

from __future__ import annotations

from parakeet.deploy.config import CommandSpec
from parakeet.deploy.errors import DeployError
from parakeet.deploy.remote import CommandOutcome, Invoker, run_remote_command


def run_migrations(
    invoker: Invoker, function_name: str, version: str, spec: CommandSpec
) -> CommandOutcome:
    """Invoke the migrate command; a DeployError unless it exited 0."""
    try:
        outcome = run_remote_command(
            invoker, function_name, spec.command, spec.args, qualifier=version
        )
    except Exception as exc:
        raise DeployError(
            "migrate", f"invoking {function_name}:{version} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if outcome.exit_code is None:
        raise DeployError(
            "migrate", f"{function_name}:{version}: {outcome.error}", output=outcome.output
        )
    if not outcome.ok:
        detail = f"`{spec.command}` exited {outcome.exit_code} on {function_name}:{version}"
        if outcome.error:
            detail += f" ({outcome.error})"
        raise DeployError("migrate", detail, output=outcome.output)
    return outcome
