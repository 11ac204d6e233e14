"""``manage.py serve_lambda [--port 9000] [--host 127.0.0.1]``: the Lambda handler over HTTP.

Each request becomes an API Gateway v2 event for ``parakeet.lambda_handler.handler``, run
in-process, so what you see is what API Gateway + Lambda would answer (apig-wsgi, stage prefix,
origin-secret check, cookies, binary bodies). Lambda's Invoke API is served too, for
``manage.py invoke --endpoint-url http://127.0.0.1:9000 ...``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from parakeet.deploy.emulator import make_server


class Command(BaseCommand):
    help = "Serve the Lambda handler locally as API Gateway (HTTP API v2) would call it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (127.0.0.1).")
        parser.add_argument("--port", type=int, default=9000, help="Port to listen on (9000).")
        parser.add_argument(
            "--function",
            default="parakeet-local-trades",
            help="Function name the handler sees in its context.",
        )
        parser.add_argument("--memory", type=int, default=512, help="Context memory (MB).")
        parser.add_argument("--timeout", type=int, default=29, help="Context timeout (s).")

    def handle(self, *args: Any, **options: Any) -> None:
        from parakeet.lambda_handler import handler

        server = make_server(
            handler,
            host=options["host"],
            port=options["port"],
            function_name=options["function"],
            memory_mb=options["memory"],
            timeout_s=options["timeout"],
        )
        host, port = options["host"], server.server_port
        self.stdout.write(
            f"Serving parakeet.lambda_handler.handler as {options['function']} on "
            f"http://{host}:{port} (API Gateway v2 events; Invoke API at "
            "/2015-03-31/functions/<name>/invocations). Ctrl-C to stop."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            server.server_close()
