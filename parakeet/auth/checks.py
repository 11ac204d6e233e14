"""System checks for the auth settings, so a misconfiguration fails ``manage.py check``.

Settings already refuse to start in production without a key, an issuer and an audience;
these catch the subtler cases: an algorithm list naming ``none`` or a typo, a digest that
is not a SHA-256 hex string, a public key that does not load, an algorithm family with no
key to verify it.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from parakeet.auth.tokens import KEY_TYPES, load_public_key

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@register(Tags.security)
def check_auth_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    algorithms: list[str] = settings.PARAKEET_JWT_ALGORITHMS
    unknown = [alg for alg in algorithms if alg not in KEY_TYPES]
    if unknown:
        messages.append(
            Error(
                f"PARAKEET_JWT_ALGORITHMS names algorithms that are never accepted: {unknown}.",
                hint=f"Use some of {sorted(KEY_TYPES)}; `none` is never accepted.",
                id="parakeet.auth.E001",
            )
        )
    bad_hashes = [h for h in settings.PARAKEET_API_KEY_HASHES if not _SHA256_HEX.match(h.strip())]
    if bad_hashes:
        messages.append(
            Error(
                f"{len(bad_hashes)} PARAKEET_API_KEY_HASHES entries are not SHA-256 hex digests.",
                hint="Each entry is the 64-character output of `printf %s KEY | sha256sum`.",
                id="parakeet.auth.E002",
            )
        )
    if settings.PARAKEET_JWT_PUBLIC_KEY:
        try:
            load_public_key(settings.PARAKEET_JWT_PUBLIC_KEY)
        except ValueError as exc:
            messages.append(
                Error(
                    f"PARAKEET_JWT_PUBLIC_KEY cannot be loaded: {exc}",
                    hint="Paste a PEM public key or certificate (-----BEGIN PUBLIC KEY-----).",
                    id="parakeet.auth.E003",
                )
            )
    if settings.PARAKEET_AUTH_REQUIRED:
        messages.extend(_unverifiable_algorithms(algorithms))
        url: str = settings.PARAKEET_JWKS_URL
        if url and not url.startswith("https://") and not settings.DEBUG:
            messages.append(
                Warning(
                    "PARAKEET_JWKS_URL is not an https:// URL.",
                    hint="Signing keys fetched over plain HTTP can be replaced in transit.",
                    id="parakeet.auth.W002",
                )
            )
    return messages


def _unverifiable_algorithms(algorithms: list[str]) -> list[CheckMessage]:
    has_secret = bool(settings.PARAKEET_JWT_SECRET)
    has_public = bool(settings.PARAKEET_JWT_PUBLIC_KEY or settings.PARAKEET_JWKS_URL)
    stranded = [
        alg
        for alg in algorithms
        if alg in KEY_TYPES and not (has_secret if KEY_TYPES[alg] == "oct" else has_public)
    ]
    if not stranded:
        return []
    return [
        Warning(
            f"PARAKEET_JWT_ALGORITHMS allows {stranded}, but no key is configured for them: "
            "every such token will be rejected.",
            hint="HS* use PARAKEET_JWT_SECRET; RS*/PS*/ES*/EdDSA use PARAKEET_JWT_PUBLIC_KEY "
            "or PARAKEET_JWKS_URL. Remove the algorithms you do not use.",
            id="parakeet.auth.W001",
        )
    ]
