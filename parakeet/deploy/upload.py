"""Step ``upload``: put an artifact in the stage's artifact bucket under its content hash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from parakeet.deploy.artifacts import Artifact
from parakeet.deploy.errors import DeployError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Upload:
    artifact: Artifact
    bucket: str
    key: str
    uploaded: bool  # False: the object was already there


def object_exists(s3: S3Client, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def upload_artifact(s3: S3Client, artifact: Artifact, *, bucket: str, prefix: str) -> Upload:
    """Upload unless an object with the same content hash is already there."""
    key = artifact.key(prefix)
    try:
        if object_exists(s3, bucket, key):
            return Upload(artifact=artifact, bucket=bucket, key=key, uploaded=False)
        s3.upload_file(
            str(artifact.path),
            bucket,
            key,
            ExtraArgs={
                "ContentType": "application/zip",
                "Metadata": {"sha256": artifact.sha256, "package": artifact.package},
            },
        )
    except (ClientError, BotoCoreError, OSError) as exc:
        raise DeployError(
            "upload", f"uploading {artifact.path.name} to s3://{bucket}/{key} failed: {exc}"
        ) from exc
    return Upload(artifact=artifact, bucket=bucket, key=key, uploaded=True)
