"""What is deployed: per function, the alias target, the newest versions, sizes and dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from parakeet.deploy.config import DeployConfig

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

RECENT_VERSIONS = 5


@dataclass(frozen=True)
class VersionInfo:
    version: str
    code_size: int
    last_modified: str
    description: str
    code_sha256: str


@dataclass
class FunctionStatus:
    key: str
    name: str
    exists: bool
    alias: str
    alias_version: str | None = None
    latest_code_size: int | None = None
    latest_modified: str | None = None
    last_update_status: str | None = None
    versions: list[VersionInfo] = field(default_factory=list)

    def live(self) -> VersionInfo | None:
        return next((v for v in self.versions if v.version == self.alias_version), None)


def _version_info(raw: Any) -> VersionInfo:
    return VersionInfo(
        version=str(raw["Version"]),
        code_size=int(raw.get("CodeSize", 0)),
        last_modified=str(raw.get("LastModified", "")),
        description=str(raw.get("Description", "")),
        code_sha256=str(raw.get("CodeSha256", "")),
    )


def function_status(client: LambdaClient, key: str, name: str, alias: str) -> FunctionStatus:
    status = FunctionStatus(key=key, name=name, exists=False, alias=alias)
    try:
        latest = client.get_function_configuration(FunctionName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return status
        raise
    status.exists = True
    status.latest_code_size = int(latest.get("CodeSize", 0))
    status.latest_modified = str(latest.get("LastModified", ""))
    status.last_update_status = str(latest.get("LastUpdateStatus", ""))
    versions: list[VersionInfo] = []
    for page in client.get_paginator("list_versions_by_function").paginate(FunctionName=name):
        versions.extend(
            _version_info(v) for v in page.get("Versions", []) if v["Version"].isdigit()
        )
    versions.sort(key=lambda v: int(v.version))
    try:
        status.alias_version = str(
            client.get_alias(FunctionName=name, Name=alias)["FunctionVersion"]
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    recent = versions[-RECENT_VERSIONS:]
    live = next((v for v in versions if v.version == status.alias_version), None)
    if live is not None and live not in recent:
        recent.insert(0, live)
    status.versions = recent
    return status


def stage_status(client: LambdaClient, config: DeployConfig, stage: str) -> list[FunctionStatus]:
    return [
        function_status(client, key, config.function_name(stage, key), config.alias)
        for key in config.functions
    ]


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def format_status(statuses: list[FunctionStatus]) -> str:
    lines: list[str] = []
    for status in statuses:
        if not status.exists:
            lines.append(f"{status.key:<11} {status.name}: not deployed (no such function)")
            continue
        target = status.alias_version or "-"
        newest = status.versions[-1].version if status.versions else "-"
        lines.append(
            f"{status.key:<11} {status.name}  {status.alias} -> {target}  newest {newest}  "
            f"$LATEST {human_size(status.latest_code_size or 0)} "
            f"modified {status.latest_modified} ({status.last_update_status or '?'})"
        )
        for version in reversed(status.versions):
            marker = "*" if version.version == status.alias_version else " "
            lines.append(
                f"  {marker} v{version.version:<5} {human_size(version.code_size):>9}  "
                f"{version.last_modified}  {version.description}"
            )
    return "\n".join(lines)


def status_as_json(statuses: list[FunctionStatus]) -> list[dict[str, Any]]:
    from dataclasses import asdict

    return [asdict(s) for s in statuses]
