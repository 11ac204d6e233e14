"""WSGI entry point (runserver, gunicorn, and apig-wsgi on Lambda)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parakeet.settings")

application = get_wsgi_application()
