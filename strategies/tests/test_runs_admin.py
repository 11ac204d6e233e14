"""The backtest-run admin is read-only, filterable and links to the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from strategies.tests.run_support import fabricated_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    user = User.objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_the_changelist_lists_runs_with_filters_and_result_links(admin_client: Client) -> None:
    run = fabricated_run("HRP")

    response = admin_client.get("/admin/strategies/backtestrun/", {"status__exact": "completed"})

    assert response.status_code == 200
    html = response.content.decode()
    assert run.backtest_id in html
    assert f"/api/strategies/HRP/results?backtest_id={run.backtest_id}" in html
    assert "By strategy name" in html
    assert "By status" in html


def test_runs_cannot_be_added_changed_or_deleted(admin_client: Client) -> None:
    run = fabricated_run("HRP")

    assert admin_client.get("/admin/strategies/backtestrun/add/").status_code == 403
    detail = admin_client.get(f"/admin/strategies/backtestrun/{run.pk}/change/")
    assert detail.status_code == 200
    assert "/api/strategies/runs/" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert admin_client.get(f"/admin/strategies/backtestrun/{run.pk}/delete/").status_code == 403
