"""Every app's routes, whatever ``PARAKEET_URL_APPS`` mounts: what ``/openapi.json`` documents.

Imported by the schema view on its first request, so a function that mounts only its own
routes (see :mod:`parakeet.urlconf`) still serves the whole API's description.
"""

from __future__ import annotations

from parakeet.urlconf import URL_APPS
from parakeet.urls import build_urlpatterns

urlpatterns = build_urlpatterns(URL_APPS)
