"""Step ``publish``: freeze ``$LATEST`` as a numbered version and wait until it is Active.

With SnapStart a new version is ``Pending`` while Lambda initialises it and takes the snapshot;
an init failure shows up here, as ``Failed``, before anything invokes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from parakeet.deploy.errors import DeployError
from parakeet.deploy.waiting import Polling, poll

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


def publish_version(
    client: LambdaClient,
    function_name: str,
    *,
    code_sha256: str,
    description: str,
    polling: Polling,
) -> str:
    """Publish and return the version number (as Lambda spells it: a string)."""
    try:
        response = client.publish_version(
            FunctionName=function_name, CodeSha256=code_sha256, Description=description[:256]
        )
    except (ClientError, BotoCoreError) as exc:
        raise DeployError("publish", f"{function_name}: publish_version failed: {exc}") from exc
    version = str(response["Version"])
    wait_until_active(client, function_name, version, polling=polling)
    return version


def wait_until_active(
    client: LambdaClient, function_name: str, version: str, *, polling: Polling
) -> dict[str, Any]:
    def fetch() -> dict[str, Any]:
        return dict(
            client.get_function_configuration(FunctionName=function_name, Qualifier=version)
        )

    def settled(config: dict[str, Any]) -> bool:
        state = config.get("State", "Active")
        if state == "Failed":
            reason = config.get("StateReason", "no reason given")
            raise DeployError("publish", f"{function_name}:{version} failed to start: {reason}")
        return state == "Active"

    try:
        return poll(
            fetch,
            settled,
            polling=polling,
            step="publish",
            what=f"version {version} of {function_name} becoming Active",
        )
    except ClientError as exc:
        raise DeployError("publish", f"{function_name}:{version}: {exc}") from exc
