"""Pure stock scanners (contract §3.6): quallamaggie, momentum and mean reversion.

Plain functions over date x ticker matrices of daily bars, no Django and no database. The
entry point is :func:`scanner.signals.registry.run_scan`; :data:`~scanner.signals.registry.SCANNERS`
describes the three scanners for ``GET /api/scanner``. This package imports nothing heavy at
import time; its modules need numpy and pandas.
"""
