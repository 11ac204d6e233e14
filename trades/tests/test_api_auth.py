"""With auth on, /api/trades uses the project's default permission (contract §4)."""

from __future__ import annotations

import pytest

from trades.models import Trade
from trades.tests.factories import make_trade, trade_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth_on(settings):
    settings.PARAKEET_AUTH_REQUIRED = True


@pytest.mark.usefixtures("auth_on")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/trades"),
        ("get", "/api/trades"),
        ("patch", "/api/trades/{id}"),
        ("delete", "/api/trades/{id}"),
        ("post", "/api/trades/{id}/close?exit_price=1"),
        ("get", "/api/trades/metrics/portfolio"),
        ("get", "/api/trades/utils/generate-id"),
    ],
)
def test_requests_without_credentials_are_401_and_change_nothing(api_client, method, path):
    trade = make_trade()

    response = getattr(api_client, method)(path.format(id=trade.id), trade_payload(), format="json")

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response["WWW-Authenticate"] == "Bearer"
    assert list(Trade.objects.values_list("id", "status")) == [(trade.id, "OPEN")]
