"""A per-checkout development secret key, generated once and kept under ``var/``."""

from __future__ import annotations

import secrets
from pathlib import Path


def dev_secret_key(var_dir: Path) -> str:
    path = var_dir / ".dev_secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = "dev-only-" + secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
