"""The admin pages for market data and ingest runs render, with the annotated columns."""

from __future__ import annotations

import pytest
from django.test import Client

from ingest.models import IngestRun
from market.models import DailyBar
from market.services import upsert_bars
from market.tests.factories import bar_series, make_symbol

pytestmark = pytest.mark.django_db


@pytest.fixture
def bars() -> None:
    upsert_bars(rows=bar_series("AAPL", [100.0, 101.0, 102.0]))


def test_symbol_list_shows_bar_count_and_date_range(admin_client: Client, bars: None) -> None:
    response = admin_client.get("/admin/market/symbol/", {"q": "AAPL"})
    assert response.status_code == 200
    row = response.context["cl"].result_list.get(ticker="AAPL")
    assert row.bar_count == 3
    assert (row.first_bar.isoformat(), row.last_bar.isoformat()) == ("2024-01-01", "2024-01-03")
    filtered = admin_client.get(
        "/admin/market/symbol/", {"data_source__exact": "yahoo", "exchange": "ASX"}
    )
    assert filtered.status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"exchange": "ZZASX"}, ["ZZB.AX", "ZZC.AX"]),
        ({"asset_class__exact": "etf"}, ["ZZC.AX"]),
        ({"data_source__exact": "demo"}, ["ZZA"]),
        ({"is_active__exact": "0"}, ["ZZB.AX"]),
        ({"is_delisted__exact": "1"}, ["ZZB.AX"]),
        ({"q": "zzc"}, ["ZZC.AX"]),
        ({"q": "Widgets"}, ["ZZA"]),
    ],
)
def test_symbols_can_be_searched_and_filtered(
    admin_client: Client, params: dict[str, str], expected: list[str]
) -> None:
    make_symbol("ZZA", name="ZZ Widgets", exchange="ZZNYSE", data_source="demo")
    make_symbol("ZZB.AX", exchange="ZZASX", data_source="yahoo", is_active=False, is_delisted=True)
    make_symbol("ZZC.AX", exchange="ZZASX", data_source="yahoo", asset_class="etf")

    response = admin_client.get("/admin/market/symbol/", params)

    assert response.status_code == 200
    listed = [s.ticker for s in response.context["cl"].result_list if s.ticker.startswith("ZZ")]
    assert listed == expected


def test_bar_filters_by_source_and_quality(admin_client: Client) -> None:
    upsert_bars(rows=bar_series("AAPL", [100.0, 101.0]))
    upsert_bars(rows=bar_series("BHP.AX", [40.0], source="yahoo", data_quality="suspect"))

    suspect = admin_client.get("/admin/market/dailybar/", {"data_quality__exact": "suspect"})
    yahoo = admin_client.get("/admin/market/dailybar/", {"source__exact": "yahoo"})

    assert [b.ticker_id for b in suspect.context["cl"].result_list] == ["BHP.AX"]
    assert [b.ticker_id for b in yahoo.context["cl"].result_list] == ["BHP.AX"]


def test_a_run_shows_its_parameters_and_failures(admin_client: Client) -> None:
    run = IngestRun.objects.create(
        parameters={"tickers": ["GONE"]},
        status="partial",
        failed=1,
        errors=[{"ticker": "GONE", "message": "Tiingo: Error: Ticker 'GONE' not found"}],
    )

    listing = admin_client.get("/admin/ingest/ingestrun/", {"status__exact": "partial"})
    detail = admin_client.get(f"/admin/ingest/ingestrun/{run.pk}/change/")

    assert [r.pk for r in listing.context["cl"].result_list] == [run.pk]
    assert "Ticker &#x27;GONE&#x27; not found" in detail.content.decode()


def test_bars_are_read_only_and_searchable_by_exact_ticker(
    admin_client: Client, bars: None
) -> None:
    response = admin_client.get("/admin/market/dailybar/", {"q": "aapl"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    assert admin_client.get("/admin/market/dailybar/add/").status_code == 403
    bar = DailyBar.objects.first()
    assert bar is not None
    detail = admin_client.get(f"/admin/market/dailybar/{bar.pk}/change/")
    assert detail.status_code == 200
    assert not detail.context["adminform"].form.fields  # every field read-only


def test_universe_and_constituent_lists_render(admin_client: Client) -> None:
    response = admin_client.get("/admin/market/universe/")
    assert response.status_code == 200
    counts = {u.key: u.current_count for u in response.context["cl"].result_list}
    assert counts["SPX500"] == 503
    listing = admin_client.get("/admin/market/indexconstituent/", {"q": "TSLA"})
    assert listing.status_code == 200


def test_ingest_runs_are_view_only(admin_client: Client) -> None:
    run = IngestRun.objects.create(
        parameters={"universe": "SPX500"},
        requested=3,
        errors=[{"ticker": "X", "message": "not found"}],
    )
    assert admin_client.get("/admin/ingest/ingestrun/").status_code == 200
    assert admin_client.get(f"/admin/ingest/ingestrun/{run.pk}/change/").status_code == 200
    assert admin_client.get("/admin/ingest/ingestrun/add/").status_code == 403
    assert admin_client.post(f"/admin/ingest/ingestrun/{run.pk}/delete/").status_code == 403
