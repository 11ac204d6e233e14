"""tqdm (the ``ingest`` command's terminal bar) ships with the data function only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from parakeet.packaging.lockfile import read_lock, resolve, roots_for
from parakeet.packaging.target import Target


@pytest.mark.parametrize("arch", ["arm64", "x86_64"])
def test_tqdm_is_in_the_data_profile_and_not_the_slim_one(arch):
    lock = read_lock(Path(settings.BASE_DIR) / "uv.lock")
    target = Target(arch, "3.12")

    def names(profile: str) -> set[str]:
        return {p.name for p in resolve(lock, roots_for(lock, profile), target)}

    assert "tqdm" in names("data")
    assert "tqdm" not in names("slim")
    assert "colorama" not in names("data")  # tqdm's Windows-only dependency
