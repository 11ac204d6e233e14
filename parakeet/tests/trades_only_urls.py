"""The URLconf a function with ``PARAKEET_URL_APPS=trades`` mounts (``@pytest.mark.urls``)."""

from __future__ import annotations

from parakeet.urls import build_urlpatterns, handler400, handler403, handler404, handler500

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = build_urlpatterns(("trades",))
