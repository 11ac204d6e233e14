"""Logs and metrics, the same way everywhere; JSON (Powertools) on Lambda, plain text locally.

- ``logs.logging_config(debug, on_lambda)``: the ``LOGGING`` dict. On Lambda every stdlib
  logger (Django's included) writes one Powertools JSON line per record; locally a readable
  line. Both pass through ``redaction.RedactionFilter`` and a redacting formatter, so secrets,
  tokens and connection strings never reach a log line.
- ``middleware.RequestLogMiddleware``: one line and one metric per HTTP request.
- ``metrics``: CloudWatch EMF metrics (namespace ``Parakeet``) through Powertools, buffered per
  invocation and flushed by ``invocation_metrics(context)`` / ``instrument_handler``.

This package imports nothing from Django at module level except where noted, so settings can
import :func:`parakeet.observability.logs.logging_config`.
"""
