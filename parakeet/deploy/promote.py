"""Step ``promote`` (and ``rollback``): move a function's ``live`` alias to a version.

API Gateway, the scheduler and the task backend all call the alias, so moving it is the one
switch that makes a deploy (or a rollback) visible; it is atomic per function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from parakeet.deploy.errors import DeployError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


@dataclass(frozen=True)
class AliasMove:
    function_name: str
    alias: str
    previous: str | None  # None: the alias was created
    current: str


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def alias_version(client: LambdaClient, function_name: str, alias: str) -> str | None:
    """The version ``alias`` points at, or None when there is no such alias."""
    try:
        return str(client.get_alias(FunctionName=function_name, Name=alias)["FunctionVersion"])
    except ClientError as exc:
        if _not_found(exc):
            return None
        raise


def published_versions(client: LambdaClient, function_name: str) -> list[str]:
    """Published version numbers, oldest first (``$LATEST`` left out)."""
    versions: list[int] = []
    paginator = client.get_paginator("list_versions_by_function")
    for page in paginator.paginate(FunctionName=function_name):
        versions.extend(
            int(v["Version"]) for v in page.get("Versions", []) if v["Version"].isdigit()
        )
    return [str(v) for v in sorted(versions)]


def move_alias(
    client: LambdaClient,
    function_name: str,
    alias: str,
    version: str,
    *,
    description: str = "",
    step: str = "promote",
) -> AliasMove:
    """Point ``alias`` at ``version``, creating the alias on a function's first deploy."""
    try:
        previous = alias_version(client, function_name, alias)
        if previous is None:
            client.create_alias(
                FunctionName=function_name,
                Name=alias,
                FunctionVersion=version,
                Description=description[:256],
            )
        else:
            client.update_alias(
                FunctionName=function_name,
                Name=alias,
                FunctionVersion=version,
                Description=description[:256],
            )
    except (ClientError, BotoCoreError) as exc:
        raise DeployError(
            step, f"moving {function_name}:{alias} to version {version} failed: {exc}"
        ) from exc
    return AliasMove(function_name=function_name, alias=alias, previous=previous, current=version)


def rollback_target(versions: list[str], current: str, to: str | None) -> str:
    """The version to roll back to: ``to`` if given (must exist), else the newest below current."""
    if to is not None:
        if to not in versions:
            raise DeployError(
                "rollback", f"version {to} does not exist (have {', '.join(versions)})"
            )
        if to == current:
            raise DeployError("rollback", f"the alias already points at version {to}")
        return to
    earlier = [v for v in versions if current.isdigit() and int(v) < int(current)]
    if not earlier:
        raise DeployError("rollback", f"there is no published version before {current}")
    return earlier[-1]


def rollback(
    client: LambdaClient, function_name: str, alias: str, *, to: str | None = None
) -> AliasMove:
    try:
        current = alias_version(client, function_name, alias)
        if current is None:
            raise DeployError("rollback", f"{function_name} has no {alias!r} alias to roll back")
        target = rollback_target(published_versions(client, function_name), current, to)
    except ClientError as exc:
        raise DeployError("rollback", f"{function_name}: {exc}") from exc
    return move_alias(
        client,
        function_name,
        alias,
        target,
        description=f"rollback from version {current}",
        step="rollback",
    )
