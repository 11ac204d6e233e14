"""``/api/validation`` (contract §2.8, §3.3): PSR/DSR of stored runs and the calculator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from strategies import services
from strategies.engine.psr import returns_significance
from strategies.models import BacktestRun, RunStatus
from strategies.results_store import load_series
from strategies.tests.run_support import UNIVERSE, fabricated_run, seed_prices, temporary_cache

pytestmark = pytest.mark.django_db

DSR_KEYS = [
    "sharpe_ratio",
    "deflated_sharpe_ratio",
    "probabilistic_sharpe_ratio",
    "n_trials",
    "n_samples",
    "is_significant",
    "confidence_level",
    "interpretation",
    "expected_max_sharpe",
    "sharpe_ratio_std",
]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


# --- calculate-dsr --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "psr", "dsr"),
    [
        ({"sharpe_ratio": 1.5, "n_trials": 1, "n_samples": 252}, 0.9324, 0.9324),
        ({"sharpe_ratio": 1.5, "n_trials": 10, "n_samples": 252}, 0.9324, 0.4678),
        ({"sharpe_ratio": 2.0, "n_trials": 10, "n_samples": 756}, 0.9997, 0.9695),
        (
            {"sharpe_ratio": 1.5, "n_trials": 1, "n_samples": 252, "skewness": -0.5, "kurtosis": 5},
            0.9274,
            0.9274,
        ),
    ],
)
def test_calculate_dsr_matches_the_reference_table_from_the_query_or_a_body(
    api_client: APIClient, inputs: dict[str, Any], psr: float, dsr: float
) -> None:
    by_query = api_client.post(f"/api/validation/calculate-dsr?{_query(inputs)}")
    by_body = api_client.post("/api/validation/calculate-dsr", inputs, format="json")

    for response in (by_query, by_body):
        assert response.status_code == 200, response.content
        body = response.json()
        assert list(body) == DSR_KEYS
        assert body["probabilistic_sharpe_ratio"] == psr
        assert body["deflated_sharpe_ratio"] == dsr
        assert body["is_significant"] is (dsr > 0.95)
        assert body["n_trials"] == inputs["n_trials"]
        assert body["interpretation"] == (
            f"After testing {inputs['n_trials']} variations, there is a "
            f"{body['deflated_sharpe_ratio'] * 100:.1f}% probability this strategy's "
            "performance is genuine."
        )


def _query(inputs: dict[str, Any]) -> str:
    return "&".join(f"{key}={value}" for key, value in inputs.items())


def test_calculate_dsr_defaults(api_client: APIClient) -> None:
    body = api_client.post("/api/validation/calculate-dsr?sharpe_ratio=1.5").json()

    assert (body["n_trials"], body["n_samples"]) == (1, 252)
    assert body["deflated_sharpe_ratio"] == body["probabilistic_sharpe_ratio"] == 0.9324
    assert body["confidence_level"] == "MEDIUM"
    assert body["expected_max_sharpe"] == 0.0


def test_a_body_takes_precedence_over_the_query(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/validation/calculate-dsr?sharpe_ratio=0.1&n_trials=50",
        {"sharpe_ratio": 2.0, "n_trials": 10, "n_samples": 756},
        format="json",
    )

    assert response.json()["deflated_sharpe_ratio"] == 0.9695
    assert response.json()["confidence_level"] == "HIGH"


@pytest.mark.parametrize(
    ("inputs", "loc", "type_"),
    [
        ({}, ["sharpe_ratio"], "missing"),
        ({"sharpe_ratio": "abc"}, ["sharpe_ratio"], "float_parsing"),
        ({"sharpe_ratio": 1, "n_trials": 0}, ["n_trials"], "greater_than_equal"),
        ({"sharpe_ratio": 1, "n_trials": 1.5}, ["n_trials"], "int_parsing"),
        ({"sharpe_ratio": 1, "n_samples": 1}, ["n_samples"], "greater_than_equal"),
        ({"sharpe_ratio": 1, "n_samples": 10**7 + 1}, ["n_samples"], "less_than_equal"),
        ({"sharpe_ratio": 1, "skewness": 2, "kurtosis": 4}, ["kurtosis"], "value_error"),
        ({"sharpe_ratio": 1, "periods_per_year": 0}, ["periods_per_year"], "greater_than_equal"),
        ({"sharpe_ratio": 1, "periods_per_year": 400}, ["periods_per_year"], "less_than_equal"),
    ],
)
def test_invalid_inputs_are_422_in_the_query_and_in_a_body(
    api_client: APIClient, inputs: dict[str, Any], loc: list[str], type_: str
) -> None:
    by_body = api_client.post(
        "/api/validation/calculate-dsr", inputs or {"n_trials": 2}, format="json"
    )
    query = _query(inputs) if inputs else "n_trials=2"
    by_query = api_client.post(f"/api/validation/calculate-dsr?{query}")

    for response, source in ((by_body, "body"), (by_query, "query")):
        assert response.status_code == 422, response.content
        assert [(i["loc"], i["type"]) for i in response.json()["detail"]] == [
            ([source, *loc], type_)
        ]


@pytest.mark.parametrize(
    "inputs",
    [
        {"sharpe_ratio": 0},
        {"sharpe_ratio": -3, "n_trials": 1000, "n_samples": 2},
        {"sharpe_ratio": 1e6, "n_trials": 10**12, "n_samples": 10**7, "periods_per_year": 1},
        {"sharpe_ratio": 40, "skewness": 0.5, "kurtosis": 1.25, "n_samples": 2},
        {"sharpe_ratio": 1, "skewness": -1e5, "kurtosis": 1e12},
        {"sharpe_ratio": 1e6, "skewness": 9e5, "kurtosis": 1e12, "n_samples": 2},
    ],
)
def test_extreme_but_valid_inputs_never_fail(api_client: APIClient, inputs: dict[str, Any]) -> None:
    response = api_client.post("/api/validation/calculate-dsr", inputs, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert 0.0 <= body["deflated_sharpe_ratio"] <= 1.0
    assert 0.0 <= body["probabilistic_sharpe_ratio"] <= 1.0


# --- strategies -----------------------------------------------------------------------------


def run_backtest(strategy: str, parameters: dict[str, Any]) -> BacktestRun:
    return services.start_backtest(
        strategy_name=strategy,
        parameters=parameters,
        universe=UNIVERSE,
        tickers=None,
        start_date=dt.date(2022, 1, 3),
        end_date=None,
        initial_capital=Decimal("100000"),
        optimization_method="EqualWeight",
    )


def test_validation_without_runs_is_empty(api_client: APIClient) -> None:
    body = api_client.get("/api/validation/strategies").json()

    assert list(body) == [
        "strategies",
        "total_trials_rejected",
        "total_trials_accepted",
        "generated_at",
    ]
    assert (body["strategies"], body["total_trials_rejected"], body["total_trials_accepted"]) == (
        [],
        0,
        0,
    )


def test_validation_computes_psr_and_dsr_from_the_latest_runs_stored_returns(
    api_client: APIClient,
) -> None:
    seed_prices(days=400)
    run_backtest("InverseVolatility", {"lookback": 63})
    run_backtest("InverseVolatility", {"lookback": 63})  # an identical re-run: not a new trial
    latest = run_backtest("InverseVolatility", {"lookback": 42})
    fabricated_run("HRP", status=RunStatus.FAILED, error="x")

    body = api_client.get("/api/validation/strategies").json()

    assert len(body["strategies"]) == 1
    item = body["strategies"][0]
    assert list(item) == ["id", "name", "sharpe", "sortino", "max_drawdown", "validity"]
    metrics = latest.metrics or {}
    assert item["id"] == "inversevolatility"
    assert item["name"] == "InverseVolatility"
    assert item["sharpe"] == pytest.approx(metrics["sharpe_ratio"])
    assert item["sortino"] == pytest.approx(metrics["sortino_ratio"])
    assert item["max_drawdown"] == pytest.approx(metrics["max_drawdown"])
    returns = load_series(name=latest.series_path)["returns"]
    expected = returns_significance(returns, annual_sharpe=metrics["sharpe_ratio"], n_trials=2)
    assert expected is not None
    assert item["validity"] == {
        "psr": round(expected.probabilistic_sharpe_ratio, 4),
        "dsr": round(expected.deflated_sharpe_ratio, 4),
        "num_trials": 2,
        "is_significant": expected.is_significant,
        "confidence_level": expected.confidence_level,
    }


def test_trial_totals_add_up_num_trials_not_strategies(api_client: APIClient) -> None:
    good = [0.004, 0.006, 0.005, 0.0045, 0.0055] * 60
    bad = [0.01, -0.012, 0.011, -0.0105, 0.0] * 60
    fabricated_run("HRP", metrics={"sharpe_ratio": 5.0}, returns=good, parameters={"a": 1})
    fabricated_run("HRP", metrics={"sharpe_ratio": 5.0}, returns=good, parameters={"a": 2})
    fabricated_run("HRP", metrics={"sharpe_ratio": 5.0}, returns=good, parameters={"a": 3})
    fabricated_run("NCO", metrics={"sharpe_ratio": -0.5}, returns=bad, parameters={"b": 1})
    fabricated_run("NCO", metrics={"sharpe_ratio": -0.5}, returns=bad, parameters={"b": 2})
    fabricated_run("pipeline", metrics={"sharpe_ratio": 9.0}, returns=good)

    body = api_client.get("/api/validation/strategies").json()

    validity = {item["name"]: item["validity"] for item in body["strategies"]}
    assert list(validity) == ["HRP", "NCO"]
    assert (validity["HRP"]["num_trials"], validity["HRP"]["is_significant"]) == (3, True)
    assert validity["HRP"]["confidence_level"] == "HIGH"
    assert (validity["NCO"]["num_trials"], validity["NCO"]["is_significant"]) == (2, False)
    assert body["total_trials_accepted"] == 3
    assert body["total_trials_rejected"] == 2
    assert body["strategies"][1]["id"] == "nco"
