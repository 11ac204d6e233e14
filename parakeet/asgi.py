"""ASGI entry point, for running the async views under an ASGI server locally."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parakeet.settings")

application = get_asgi_application()
