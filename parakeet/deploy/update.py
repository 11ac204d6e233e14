"""Step ``update``: point a function's ``$LATEST`` code at an uploaded artifact and wait."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from parakeet.deploy.errors import DeployError
from parakeet.deploy.waiting import Polling, poll

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


def wait_until_updated(
    client: LambdaClient, function_name: str, *, polling: Polling, step: str = "update"
) -> dict[str, Any]:
    """Wait for ``LastUpdateStatus`` to leave ``InProgress``; ``Failed`` is a DeployError."""

    def fetch() -> dict[str, Any]:
        return dict(client.get_function_configuration(FunctionName=function_name))

    def settled(config: dict[str, Any]) -> bool:
        status = config.get("LastUpdateStatus", "Successful")
        if status == "Failed":
            reason = config.get("LastUpdateStatusReason", "no reason given")
            code = config.get("LastUpdateStatusReasonCode", "")
            raise DeployError(step, f"{function_name}: the code update failed ({code}): {reason}")
        return status == "Successful"

    try:
        return poll(
            fetch, settled, polling=polling, step=step, what=f"the update of {function_name}"
        )
    except ClientError as exc:
        raise DeployError(step, f"{function_name}: {exc}") from exc


def update_code(
    client: LambdaClient,
    function_name: str,
    *,
    bucket: str,
    key: str,
    architecture: str,
    polling: Polling,
) -> dict[str, Any]:
    """Update the code from S3, then wait until the update settled. Returns the final config.

    Waits first too: a function still busy with an earlier update refuses a new one.
    """
    wait_until_updated(client, function_name, polling=polling)
    try:
        client.update_function_code(
            FunctionName=function_name,
            S3Bucket=bucket,
            S3Key=key,
            Architectures=[architecture],  # type: ignore[list-item]
            Publish=False,
        )
    except (ClientError, BotoCoreError) as exc:
        raise DeployError("update", f"{function_name}: update_function_code failed: {exc}") from exc
    return wait_until_updated(client, function_name, polling=polling)
