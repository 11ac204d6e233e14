"""The Lambda functions of a stage, read from ``functions.json`` (shared with Terraform).

``load_config()`` validates the file once and returns plain frozen dataclasses; every deploy
step takes the names it needs from a :class:`DeployConfig` (``function_name``, ``bucket``,
``log_group``) so no step builds a name by hand.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parakeet.urlconf import UnknownUrlApp, validated_url_apps

CONFIG_PATH = Path(__file__).with_name("functions.json")
PACKAGES = ("slim", "data")
ARCHITECTURES = ("arm64", "x86_64")
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,15}$")


class ConfigFileError(ValueError):
    """``functions.json`` is malformed; the message names the key."""


@dataclass(frozen=True)
class FunctionSpec:
    key: str
    description: str
    memory_mb: int
    timeout_s: int
    package: str
    api: bool
    routes: tuple[str, ...]
    triggers: tuple[str, ...]
    # The apps whose routes it mounts (PARAKEET_URL_APPS); empty = all. See parakeet/urlconf.py.
    url_apps: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        """The variables this function needs beyond the shared ones (Terraform sets them)."""
        return {"PARAKEET_URL_APPS": ",".join(self.url_apps)} if self.url_apps else {}


@dataclass(frozen=True)
class CommandSpec:
    function: str
    command: str
    args: tuple[str, ...]

    def event(self) -> dict[str, Any]:
        return {"command": self.command, "args": list(self.args)}


@dataclass(frozen=True)
class DeployConfig:
    name_template: str
    artifact_bucket_template: str
    artifact_prefix: str
    log_group_template: str
    alias: str
    runtime: str
    architecture: str
    handler: str
    snap_start: bool
    stages: tuple[str, ...]
    health_path: str
    command_function: str
    migrate: CommandSpec
    functions: dict[str, FunctionSpec]

    def function(self, key: str) -> FunctionSpec:
        try:
            return self.functions[key]
        except KeyError:
            known = ", ".join(self.functions)
            raise ConfigFileError(f"unknown function {key!r} (known: {known})") from None

    def function_name(self, stage: str, key: str) -> str:
        self.function(key)
        return self.name_template.format(stage=validate_stage(stage), function=key)

    def bucket(self, stage: str) -> str:
        return self.artifact_bucket_template.format(stage=validate_stage(stage))

    def log_group(self, stage: str, key: str) -> str:
        return self.log_group_template.format(name=self.function_name(stage, key))

    def api_functions(self) -> list[str]:
        return [key for key, spec in self.functions.items() if spec.api]

    def packages(self, keys: list[str] | None = None) -> list[str]:
        """The package profiles the given functions (default: all) need, in a stable order."""
        wanted = {self.function(k).package for k in (keys or list(self.functions))}
        return [p for p in PACKAGES if p in wanted]


def validate_stage(stage: str) -> str:
    if not _STAGE.match(stage):
        raise ConfigFileError(
            f"stage {stage!r} must be 1-16 lower-case letters, digits or '-', "
            "starting with a letter"
        )
    return stage


def load_config(path: Path = CONFIG_PATH) -> DeployConfig:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigFileError(f"{path}: cannot read ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigFileError(f"{path}: expected a JSON object")
    return parse_config(raw)


def parse_config(raw: dict[str, Any]) -> DeployConfig:
    functions_raw = _get(raw, "functions", dict)
    functions = {str(k): _function(str(k), v) for k, v in functions_raw.items()}
    if not functions:
        raise ConfigFileError("functions: at least one function is required")
    migrate_raw = _get(raw, "migrate", dict)
    migrate = CommandSpec(
        function=_get(migrate_raw, "function", str, where="migrate"),
        command=_get(migrate_raw, "command", str, where="migrate"),
        args=_strings(migrate_raw, "args", where="migrate"),
    )
    config = DeployConfig(
        name_template=_template(raw, "name_template", "{stage}", "{function}"),
        artifact_bucket_template=_template(raw, "artifact_bucket_template", "{stage}"),
        artifact_prefix=_get(raw, "artifact_prefix", str),
        log_group_template=_template(raw, "log_group_template", "{name}"),
        alias=_get(raw, "alias", str),
        runtime=_get(raw, "runtime", str),
        architecture=_choice(raw, "architecture", ARCHITECTURES),
        handler=_get(raw, "handler", str),
        snap_start=_get(raw, "snap_start", bool),
        stages=_strings(raw, "stages"),
        health_path=_get(raw, "health_path", str),
        command_function=_get(raw, "command_function", str),
        migrate=migrate,
        functions=functions,
    )
    for where, key in (
        ("migrate.function", migrate.function),
        ("command_function", config.command_function),
    ):
        if key not in functions:
            raise ConfigFileError(f"{where}: {key!r} is not one of the functions")
    for stage in config.stages:
        validate_stage(stage)
    return config


def _function(key: str, raw: Any) -> FunctionSpec:
    where = f"functions.{key}"
    if not isinstance(raw, dict):
        raise ConfigFileError(f"{where}: expected an object")
    spec = FunctionSpec(
        key=key,
        description=str(raw.get("description", "")),
        memory_mb=_get(raw, "memory_mb", int, where=where),
        timeout_s=_get(raw, "timeout_s", int, where=where),
        package=_choice(raw, "package", PACKAGES, where=where),
        api=_get(raw, "api", bool, where=where),
        routes=_strings(raw, "routes", where=where),
        triggers=_strings(raw, "triggers", where=where),
        url_apps=_url_apps(raw, where) if "url_apps" in raw else (),
    )
    if not 128 <= spec.memory_mb <= 10240:
        raise ConfigFileError(f"{where}.memory_mb: {spec.memory_mb} is outside 128-10240")
    if not 1 <= spec.timeout_s <= 900:
        raise ConfigFileError(f"{where}.timeout_s: {spec.timeout_s} is outside 1-900")
    if spec.api and not spec.routes:
        raise ConfigFileError(f"{where}.routes: an API function needs at least one route")
    return spec


def _url_apps(raw: dict[str, Any], where: str) -> tuple[str, ...]:
    names = _strings(raw, "url_apps", where=where)
    if not names:
        raise ConfigFileError(f"{where}.url_apps: omit it to mount every app, or name some")
    try:
        return validated_url_apps(names)
    except UnknownUrlApp as exc:
        raise ConfigFileError(f"{where}.url_apps: {exc}") from None


def _get[T](raw: dict[str, Any], key: str, kind: type[T], *, where: str = "") -> T:
    name = f"{where}.{key}" if where else key
    if key not in raw:
        raise ConfigFileError(f"{name}: missing")
    value = raw[key]
    # bool is an int subclass: a memory of `true` is a mistake, not 1 MB.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigFileError(f"{name}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _strings(raw: dict[str, Any], key: str, *, where: str = "") -> tuple[str, ...]:
    values = _get(raw, key, list, where=where)
    if not all(isinstance(v, str) for v in values):
        raise ConfigFileError(f"{where + '.' if where else ''}{key}: expected a list of strings")
    return tuple(values)


def _choice(raw: dict[str, Any], key: str, choices: tuple[str, ...], *, where: str = "") -> str:
    value = _get(raw, key, str, where=where)
    if value not in choices:
        name = f"{where}.{key}" if where else key
        raise ConfigFileError(f"{name}: {value!r} is not one of {', '.join(choices)}")
    return value


def _template(raw: dict[str, Any], key: str, *placeholders: str) -> str:
    value = _get(raw, key, str)
    for placeholder in placeholders:
        if placeholder not in value:
            raise ConfigFileError(f"{key}: {value!r} must contain {placeholder}")
    return value
