"""The identity provider's signing keys, fetched from ``PARAKEET_JWKS_URL`` and cached in-process.

Keys are fetched once, on the first token that needs them. A token naming an unknown ``kid``
(the provider rotated its keys) triggers a refetch, at most once per minute, so a stream of
forged ``kid`` values cannot turn the origin into a load generator against the provider.
Failed fetches count towards that minute too, and keep the keys fetched before.

PyJWT's own ``PyJWKClient`` fetches with urllib; we use httpx (one HTTP stack, timeouts,
``MockTransport`` in tests) and keep the raw JWKs, which the token verifier turns into
``jwt.PyJWK`` objects bound to the token's algorithm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import jwt

logger = logging.getLogger("parakeet.auth")

REFETCH_INTERVAL_SECONDS = 60.0

JWK = Mapping[str, Any]
ClientFactory = Callable[[], httpx.Client]
Clock = Callable[[], float]


class JWKSError(Exception):
    """No key can be produced for this ``kid`` (unknown, or the key set is unavailable)."""


def jwks_http_client() -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(5.0, connect=3.0),
        transport=httpx.HTTPTransport(retries=2),
        headers={"Accept": "application/json"},
    )


def signing_keys_from_document(document: Any) -> dict[str, JWK]:
    """Usable signature keys of a JWK Set document, by ``kid``.

    Skipped: entries without a string ``kid``, encryption keys, symmetric (``oct``) keys
    (a shared secret never comes from a URL) and anything PyJWT cannot load.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JWKSError("the JWKS document has no `keys` list")
    keys: dict[str, JWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig" or entry.get("kty") == "oct":
            continue
        try:
            jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue
        keys[entry["kid"]] = entry
    if not keys:
        raise JWKSError("the JWKS document has no usable signature keys")
    return keys


class JWKSCache:
    def __init__(
        self,
        url: str,
        *,
        client_factory: ClientFactory = jwks_http_client,
        clock: Clock = time.monotonic,
        refetch_interval: float = REFETCH_INTERVAL_SECONDS,
    ) -> None:
        self.url = url
        self._client_factory = client_factory
        self._clock = clock
        self._refetch_interval = refetch_interval
        self._keys: dict[str, JWK] = {}
        self._fetched_at: float | None = None
        # Gunicorn/runserver threads share the cache; one fetch at a time.
        self._lock = threading.Lock()

    def key(self, kid: str) -> JWK:
        with self._lock:
            if kid not in self._keys and self._may_fetch():
                self._fetch()
            key = self._keys.get(kid)
        if key is None:
            raise JWKSError(f"no key with kid {kid!r} in {self.url}")
        return key

    def _may_fetch(self) -> bool:
        return (
            self._fetched_at is None or self._clock() - self._fetched_at >= self._refetch_interval
        )

    def _fetch(self) -> None:
        self._fetched_at = self._clock()
        try:
            with self._client_factory() as client:
                response = client.get(self.url)
                response.raise_for_status()
                document = response.json()
            self._keys = signing_keys_from_document(document)
        except (httpx.HTTPError, ValueError, JWKSError) as exc:
            logger.warning("Could not refresh the JWKS from %s: %s", self.url, exc)


_caches: dict[str, JWKSCache] = {}
_caches_lock = threading.Lock()


def jwks_cache(url: str) -> JWKSCache:
    """The process-wide cache for ``url`` (created on first use)."""
    with _caches_lock:
        cache = _caches.get(url)
        if cache is None:
            cache = _caches[url] = JWKSCache(url)
        return cache


def install_jwks_cache(cache: JWKSCache) -> None:
    """Use ``cache`` for its URL from now on (tests give it a fake transport and clock)."""
    with _caches_lock:
        _caches[cache.url] = cache


def clear_jwks_caches() -> None:
    with _caches_lock:
        _caches.clear()
