"""Machine-client API keys: only SHA-256 digests are configured (``PARAKEET_API_KEY_HASHES``).

A key is hashed and compared in constant time with every configured digest, without stopping
at a match, so neither the key nor which rotation slot matched leaks through timing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable


def api_key_digest(key: str) -> str:
    """SHA-256 hex digest of the key's bytes on the wire (``printf %s KEY | sha256sum``).

    WSGI and ASGI hand header values over decoded as latin-1, so encoding back to latin-1
    recovers exactly the bytes the client sent.
    """
    return hashlib.sha256(key.encode("latin-1")).hexdigest()


def matching_key_hash(key: str, hashes: Iterable[str]) -> str | None:
    """The configured digest that ``key`` hashes to, or None."""
    try:
        digest = api_key_digest(key).encode("ascii")
    except UnicodeEncodeError:
        return None
    matched: str | None = None
    for configured in hashes:
        candidate = configured.strip().lower()
        if hmac.compare_digest(digest, candidate.encode("utf-8")):
            matched = candidate
    return matched
