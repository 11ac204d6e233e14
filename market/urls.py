"""Routes of the market Lambda: ``/api/data``, ``/api/universes`` and ``/api/market``.

Literal segments come before parameters (contract §1): ``regions/<region>`` before
``<universe_key>``, ``ingest-runs`` before ``ingest-runs/<id>``.
"""

from __future__ import annotations

from django.urls import URLPattern

from market.api import data, symbols, universes
from parakeet.routing import route

urlpatterns: list[URLPattern] = [
    # /api/data
    route("api/data/status", data.DataStatusView.as_view(), name="data-status"),
    route("api/data/refresh", data.DataRefreshView.as_view(), name="data-refresh"),
    route("api/data/universe", data.DataUniverseView.as_view(), name="data-universe"),
    route("api/data/source/<ticker>", data.DataSourceView.as_view(), name="data-source"),
    route("api/data/ingest-runs", data.IngestRunListView.as_view(), name="ingest-runs"),
    route("api/data/ingest-runs/<id>", data.IngestRunDetailView.as_view(), name="ingest-run"),
    # /api/universes
    route("api/universes", universes.UniverseListView.as_view(), name="universes"),
    route(
        "api/universes/regions/<region>",
        universes.UniverseRegionView.as_view(),
        name="universes-region",
    ),
    route("api/universes/<universe_key>", universes.UniverseDetailView.as_view(), name="universe"),
    route(
        "api/universes/<universe_key>/tickers",
        universes.UniverseTickersView.as_view(),
        name="universe-tickers",
    ),
    # /api/market
    route("api/market/symbols", symbols.SymbolListView.as_view(), name="market-symbols"),
    route("api/market/prices/<ticker>", symbols.PriceSeriesView.as_view(), name="market-prices"),
]
