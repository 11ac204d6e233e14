"""``/api/trades`` routes; literal segments come before ``<trade_id>`` (contract §1)."""

from __future__ import annotations

from django.urls import URLPattern

from parakeet.routing import route
from trades import api

urlpatterns: list[URLPattern] = [
    route("api/trades", api.TradeCollectionView.as_view(), name="trades"),
    route(
        "api/trades/metrics/portfolio", api.PortfolioMetricsView.as_view(), name="trades-portfolio"
    ),
    route("api/trades/metrics/dashboard", api.DashboardView.as_view(), name="trades-dashboard"),
    route(
        "api/trades/metrics/by-ticker", api.TickerStatisticsView.as_view(), name="trades-by-ticker"
    ),
    route("api/trades/utils/generate-id", api.GenerateIdView.as_view(), name="trades-generate-id"),
    route("api/trades/<trade_id>", api.TradeDetailView.as_view(), name="trade-detail"),
    route("api/trades/<trade_id>/close", api.TradeCloseView.as_view(), name="trade-close"),
]
