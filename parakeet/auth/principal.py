"""Who is calling: the verified subject of a JWT, or a machine client's API key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal

PrincipalKind = Literal["jwt", "api_key"]


@dataclass(frozen=True, slots=True)
class ApiPrincipal:
    """``request.user`` on an authenticated API request. There are no roles.

    ``subject`` is the token's ``sub`` (empty when the token has none) or
    ``api-key:<first 8 hex digits of the key's hash>``, which names the rotation slot
    without revealing anything about the key.
    """

    subject: str
    kind: PrincipalKind
    claims: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    # Django and DRF code (throttles, templates) ask these of any ``request.user``.
    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def __str__(self) -> str:
        return f"{self.kind}:{self.subject}"
