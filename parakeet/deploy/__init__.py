"""Deploying Parakeet's Lambda functions, one module per step.

``config`` names the functions (``functions.json``, shared with Terraform); ``artifacts``
builds or takes the zips; ``upload`` puts them in the artifact bucket; ``update`` points each
function's code at them; ``publish`` freezes a version; ``migrate`` runs ``migrate`` on the new
ingest version; ``smoke`` asks each new API version for ``/health``; ``promote`` moves the
``live`` alias (and back, for rollback). ``pipeline`` runs the steps in that order and stops,
before any alias moves, at the first failure. ``remote``, ``status`` and ``logs`` serve the
operational commands (``invoke``, ``manage``, ``status``, ``tail``).
"""
