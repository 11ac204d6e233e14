"""What the API layer imports at module level must work in the slim artifact (no pandas)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import django
django.setup()
import market.admin, market.cache, market.errors, market.models, market.selectors
import market.services, market.ticker_rules, ingest.admin, ingest.models
heavy = sorted(name for name in ("pandas", "pyarrow", "numpy") if name in sys.modules)
print(",".join(heavy) or "none")
"""


def test_models_admin_selectors_services_and_cache_import_without_pandas() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "parakeet.settings", "DJANGO_DEBUG": "true", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"
