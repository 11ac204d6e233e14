"""Management commands a ``{"command": ...}`` event may run unless settings say otherwise.

Kept free of imports so that settings can read it (``PARAKEET_LAMBDA_COMMANDS`` overrides it).
"""

DEFAULT_COMMANDS: tuple[str, ...] = (
    "backtest",
    "check",
    "collectstatic",
    "ingest",
    "load_demo_data",
    "load_universes",
    "migrate",
    "scan",
    "showmigrations",
)
