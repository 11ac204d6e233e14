"""WSGI entry point for runserver and any WSGI server (Lambda uses parakeet.lambda_handler).

The edge check (``PARAKEET_ORIGIN_SECRET``) wraps it too, so an origin served by a plain
WSGI server behind Cloudflare refuses requests that bypass the edge, as on Lambda.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parakeet.settings")

from parakeet.edge import OriginSecretMiddleware

application = OriginSecretMiddleware(get_wsgi_application())
