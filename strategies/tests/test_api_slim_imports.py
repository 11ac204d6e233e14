"""The strategies and scanner API modules import without pandas, numpy or pyarrow (the
engine is imported when a request needs it, not when a Lambda container starts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import django
django.setup()
import parakeet.urls
import strategies.urls, strategies.admin, strategies.services, strategies.selectors
import strategies.tasks, scanner.urls, scanner.admin, scanner.services, scanner.tasks
heavy = sorted(name for name in ("pandas", "pyarrow", "numpy") if name in sys.modules)
print(",".join(heavy) or "none")
"""


def test_views_urls_admin_services_and_tasks_import_without_pandas() -> None:
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
