"""The platform an artifact is built for: Lambda's Amazon Linux 2023, an architecture, a Python."""

from __future__ import annotations

from dataclasses import dataclass

ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}
# Amazon Linux 2023 (python3.12 runtime) ships glibc 2.34.
LAMBDA_GLIBC = (2, 34)


@dataclass(frozen=True)
class Target:
    arch: str = "arm64"  # Lambda's name: arm64 | x86_64
    python: str = "3.12"

    def __post_init__(self) -> None:
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {self.arch!r}: use arm64 or x86_64")
        parts = self.python.split(".")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or parts[0] != "3":
            raise ValueError(f"python must look like 3.12, not {self.python!r}")

    @property
    def machine(self) -> str:
        """The wheel-tag and ``platform_machine`` spelling: aarch64 | x86_64."""
        return ARCHITECTURES[self.arch]

    @property
    def python_tag(self) -> str:
        return "cp" + self.python.replace(".", "")

    @property
    def python_minor(self) -> int:
        return int(self.python.split(".")[1])

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values for Lambda's CPython on Linux."""
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{self.python}.0",
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": f"{self.python}.0",
            "python_version": self.python,
            "sys_platform": "linux",
        }
