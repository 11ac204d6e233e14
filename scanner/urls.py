"""``/api/scanner`` routes; literal segments only (contract §2.5)."""

from __future__ import annotations

from django.urls import URLPattern

from parakeet.routing import route
from scanner import api

urlpatterns: list[URLPattern] = [
    route("api/scanner", api.ScannerInfoView.as_view(), name="scanner"),
    route("api/scanner/run", api.ScanRunView.as_view(), name="scanner-run"),
    route("api/scanner/status", api.ScanStatusView.as_view(), name="scanner-status"),
    route("api/scanner/results", api.ScanResultsView.as_view(), name="scanner-results"),
    route("api/scanner/quallamaggie", api.QuallamaggieView.as_view(), name="scanner-quallamaggie"),
]
