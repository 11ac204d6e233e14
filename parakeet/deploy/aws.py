"""The AWS clients the deploy commands use, made in one place (tests replace ``make_clients``).

Two Lambda clients: ``lambda_`` for control-plane calls (update, publish, alias; botocore's
usual retries) and one behind :class:`~parakeet.deploy.remote.LambdaInvoker` for synchronous
invokes, with a read timeout longer than Lambda's 900 s limit and no retries, so a slow
``migrate`` is waited for and never run twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.config import Config

from parakeet.deploy.remote import Invoker, LambdaInvoker

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client

INVOKE_READ_TIMEOUT_S = 910
CONTROL_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
INVOKE_CONFIG = Config(
    read_timeout=INVOKE_READ_TIMEOUT_S,
    connect_timeout=10,
    retries={"mode": "standard", "total_max_attempts": 1},
    tcp_keepalive=True,
)


@dataclass(frozen=True)
class AwsClients:
    s3: S3Client
    lambda_: LambdaClient
    logs: CloudWatchLogsClient
    invoker: Invoker


def make_clients(region: str | None = None, endpoint_url: str | None = None) -> AwsClients:
    """Clients for ``region`` (else the environment's); ``endpoint_url`` points Lambda elsewhere.

    ``endpoint_url`` is for ``serve_lambda``'s local Invoke API (``http://127.0.0.1:9000``);
    S3 and CloudWatch Logs always use AWS.
    """
    import boto3

    session = boto3.session.Session(region_name=region or None)
    return AwsClients(
        s3=session.client("s3", config=CONTROL_CONFIG),
        lambda_=session.client("lambda", config=CONTROL_CONFIG, endpoint_url=endpoint_url),
        logs=session.client("logs", config=CONTROL_CONFIG),
        invoker=LambdaInvoker(
            session.client("lambda", config=INVOKE_CONFIG, endpoint_url=endpoint_url)
        ),
    )
