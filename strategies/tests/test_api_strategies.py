"""``/api/strategies`` (contract §2.3) and the run endpoints, over stored synthetic prices."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from strategies.engine.registry import run_strategy
from strategies.models import BacktestRun, RunStatus
from strategies.results_store import load_series
from strategies.tests.run_support import (
    UNIVERSE,
    fabricated_run,
    make_universe,
    seed_prices,
    temporary_cache,
)

pytestmark = pytest.mark.django_db

CATALOG = [
    ("Momentum", "Quant 1.0", {"lookback": 252, "skip": 21, "top_n": 10}),
    ("Dual_Momentum", "Quant 1.0", {"abs_lookback": 252, "rel_lookback": 126}),
    ("HRP", "Quant 1.0", {"lookback": 252, "linkage": "ward"}),
    ("InverseVolatility", "Quant 1.0", {"lookback": 63}),
    ("Regime_Detection", "Quant 2.0", {"n_states": 3, "lookback": 504}),
    ("Stat_Arb", "Quant 2.0", {"zscore_entry": 2.0, "zscore_exit": 0.5}),
    ("Residual_Momentum", "Quant 2.0", {"ff_factors": 5, "lookback": 252}),
    ("Meta_Labeling", "Quant 2.0", {"n_estimators": 100, "min_confidence": 0.6}),
    ("Short_Vol", "Quant 2.0", {"vix_threshold": 20, "term_structure": "contango"}),
    ("NCO", "Quant 2.0", {"max_clusters": 10, "min_cluster_size": 3}),
    ("OLMAR", "Mean Reversion", {"window": 5, "epsilon": 10}),
    ("Quallamaggie", "Breakout", {"adr_min": 3.0, "volume_surge": 2.0}),
]
RESULT_KEYS = [
    "backtest_id",
    "strategy_name",
    "completed_at",
    "config",
    "metrics",
    "metrics_display",
    "final_value",
    "weights",
    "execution_time",
]
METRIC_KEYS = [
    "total_return",
    "cagr",
    "volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
    "win_rate",
]
DISPLAY_KEYS = [
    "Total Return",
    "CAGR",
    "Volatility",
    "Sharpe Ratio",
    "Sortino Ratio",
    "Max Drawdown",
    "Calmar Ratio",
    "Win Rate",
]
STATUS_KEYS = [
    "strategy_name",
    "status",
    "has_results",
    "timestamp",
    "backtest_id",
    "started_at",
    "completed_at",
    "error",
]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
BODY = {
    "strategy_name": "InverseVolatility",
    "start_date": "2022-01-03",
    "universe": UNIVERSE,
    "optimization_method": "EqualWeight",
    "parameters": {"lookback": 42},
}


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


def post_run(client: APIClient, **overrides: Any) -> Any:
    return client.post("/api/strategies/run", {**BODY, **overrides}, format="json")


def problems(response: Any) -> list[tuple[list[Any], str]]:
    assert response.status_code == 422, response.content
    return [(item["loc"], item["type"]) for item in response.json()["detail"]]


# --- catalogue ------------------------------------------------------------------------------


def test_the_catalogue_lists_twelve_active_strategies_in_order_with_real_defaults(
    api_client: APIClient,
) -> None:
    response = api_client.get("/api/strategies")

    assert response.status_code == 200
    body = response.json()
    assert [(s["name"], s["category"], s["parameters"]) for s in body] == CATALOG
    for item in body:
        assert list(item) == ["name", "category", "description", "parameters", "status"]
        assert item["status"] == "active"
        assert item["description"]


def test_a_strategy_without_runs_has_no_results(api_client: APIClient) -> None:
    response = api_client.get("/api/strategies/HRP/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "name",
        "category",
        "description",
        "parameters",
        "status",
        "last_results",
        "has_results",
    ]
    assert (body["last_results"], body["has_results"]) == (None, False)


def test_an_unknown_strategy_is_404_with_the_available_names(api_client: APIClient) -> None:
    response = api_client.get("/api/strategies/Nope")

    assert response.status_code == 404
    names = [name for name, _, _ in CATALOG]
    assert response.json() == {"detail": f"Strategy 'Nope' not found. Available: {names}"}
    for path in ("/api/strategies/Nope/status", "/api/strategies/Nope/results"):
        assert api_client.get(path).status_code == 404


# --- run ------------------------------------------------------------------------------------


def test_run_starts_a_backtest_and_the_run_completes_with_the_engines_metrics(
    api_client: APIClient,
) -> None:
    prices = seed_prices()

    response = post_run(api_client)

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["backtest_id", "status", "strategy_name", "message", "timestamp"]
    assert re.fullmatch(r"InverseVolatility_\d{8}_\d{6}_[0-9a-f]{6}", body["backtest_id"])
    assert body["status"] == "started"
    assert body["strategy_name"] == "InverseVolatility"
    assert body["message"] == (
        "Backtest started. Check /api/strategies/InverseVolatility/status for progress."
    )
    assert ISO_Z.match(body["timestamp"])
    run = BacktestRun.objects.get(backtest_id=body["backtest_id"])
    assert run.status == RunStatus.COMPLETED
    assert run.parameters == {"lookback": 42}
    expected = run_strategy(
        "InverseVolatility",
        prices,
        parameters={"lookback": 42},
        optimization_method="EqualWeight",
        start="2022-01-03",
    )
    assert run.metrics == pytest.approx(expected.metrics, rel=1e-9, abs=1e-12)


def test_run_defaults_follow_the_contract(api_client: APIClient) -> None:
    seed_prices(days=300)
    make_universe("SPX500", [])  # exists already (data migration); kept for clarity

    response = api_client.post(
        "/api/strategies/run", {"strategy_name": "InverseVolatility"}, format="json"
    )

    assert response.status_code == 200
    run = BacktestRun.objects.get()
    assert run.start_date == dt.date(2020, 1, 1)
    assert float(run.initial_capital) == 100_000.0
    assert run.universe == "SPX500"
    assert run.optimization_method == "HRP"
    assert run.parameters == {"lookback": 63}
    assert run.tickers is not None or run.status == RunStatus.FAILED


def test_run_with_tickers_uses_only_them_and_the_latest_stored_date(
    api_client: APIClient,
) -> None:
    prices = seed_prices()

    response = post_run(api_client, tickers=["t00", " T01 ", "T02", "T01"], end_date=None)

    run = BacktestRun.objects.get(backtest_id=response.json()["backtest_id"])
    assert run.status == RunStatus.COMPLETED
    assert run.tickers == ["T00", "T01", "T02"]
    assert run.end_date == prices.index[-1].date()
    assert set(run.weights or {}) <= {"T00", "T01", "T02"}


def test_run_of_an_unknown_strategy_is_404_and_creates_nothing(api_client: APIClient) -> None:
    response = post_run(api_client, strategy_name="Nope")

    assert response.status_code == 404
    assert response.json() == {"detail": "Strategy 'Nope' not found"}
    assert BacktestRun.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"start_date": "2022-13-01"}, [(["body", "start_date"], "date_parsing")]),
        (
            {"start_date": "2022-06-01", "end_date": "2022-06-01"},
            [(["body", "end_date"], "value_error")],
        ),
        (
            {"start_date": "2022-06-01", "end_date": "2021-01-01"},
            [(["body", "end_date"], "value_error")],
        ),
        ({"initial_capital": 999}, [(["body", "initial_capital"], "greater_than_equal")]),
        ({"initial_capital": 1e8 + 1}, [(["body", "initial_capital"], "less_than_equal")]),
        ({"initial_capital": "lots"}, [(["body", "initial_capital"], "float_parsing")]),
        ({"optimization_method": "Kelly"}, [(["body", "optimization_method"], "enum")]),
        ({"tickers": []}, [(["body", "tickers"], "string_too_short")]),
        ({"tickers": ["BAD TICKER"]}, [(["body", "tickers", 0], "string_pattern_mismatch")]),
        ({"strategy_name": ""}, [(["body", "strategy_name"], "string_too_short")]),
        ({"parameters": [1, 2]}, [(["body", "parameters"], "value_error")]),
    ],
)
def test_invalid_run_bodies_are_422_and_create_nothing(
    api_client: APIClient, overrides: dict[str, Any], expected: list[Any]
) -> None:
    response = post_run(api_client, **overrides)

    assert problems(response) == expected
    assert BacktestRun.objects.count() == 0


def test_too_many_tickers_is_422(api_client: APIClient) -> None:
    response = post_run(api_client, tickers=[f"X{i}" for i in range(1001)])

    assert problems(response) == [(["body", "tickers"], "string_too_long")]


def test_missing_and_malformed_bodies_are_422(api_client: APIClient) -> None:
    missing = api_client.post("/api/strategies/run")
    malformed = api_client.post(
        "/api/strategies/run", data="{nope", content_type="application/json"
    )

    assert problems(missing) == [(["body"], "missing")]
    assert problems(malformed) == [(["body"], "json_invalid")]
    assert BacktestRun.objects.count() == 0


def test_parameters_must_be_catalogue_keys_with_valid_values(api_client: APIClient) -> None:
    seed_prices(days=60)

    response = post_run(
        api_client,
        strategy_name="Momentum",
        parameters={"lookback": 0, "top_n": 5, "turbo": True},
    )

    detail = response.json()["detail"]
    assert [(item["loc"], item["type"]) for item in detail] == [
        (["body", "parameters", "lookback"], "value_error"),
        (["body", "parameters", "turbo"], "value_error"),
    ]
    assert "lookback" in detail[0]["msg"]
    assert "turbo" in detail[1]["msg"]
    assert BacktestRun.objects.count() == 0


def test_parameters_are_checked_together_too(api_client: APIClient) -> None:
    response = post_run(
        api_client,
        strategy_name="Momentum",
        universe="SPX500",
        parameters={"lookback": 50, "skip": 60},
    )

    assert problems(response) == [(["body", "parameters"], "value_error")]
    assert "skip" in response.json()["detail"][0]["msg"]


def test_unknown_universe_and_tickers_without_prices_are_422_naming_them(
    api_client: APIClient,
) -> None:
    seed_prices(days=60)

    response = post_run(api_client, universe="MARS100", tickers=["T00", "ZZZ", "YYY"])

    detail = response.json()["detail"]
    assert [(item["loc"], item["type"]) for item in detail] == [
        (["body", "universe"], "enum"),
        (["body", "tickers"], "value_error"),
    ]
    assert "MARS100" in detail[0]["msg"]
    assert "SPX500" in detail[0]["msg"]
    assert detail[1]["msg"] == "Unknown tickers (no stored prices): ZZZ, YYY."
    assert BacktestRun.objects.count() == 0


def test_the_universe_matches_in_any_case(api_client: APIClient) -> None:
    seed_prices(days=300)

    response = post_run(api_client, universe=UNIVERSE.lower())

    assert response.status_code == 200
    assert BacktestRun.objects.get().universe == UNIVERSE


def test_run_answers_503_when_the_task_queue_refuses(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.tasks.backends.immediate import ImmediateBackend

    seed_prices(days=60)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("down")

    monkeypatch.setattr(ImmediateBackend, "enqueue", refuse)

    response = post_run(api_client)

    assert response.status_code == 503
    assert "task queue is unavailable" in response.json()["detail"]
    assert BacktestRun.objects.get().contract_status == "failed: Task queue unavailable"


# --- status ---------------------------------------------------------------------------------


def test_status_before_any_run_is_not_started(api_client: APIClient) -> None:
    response = api_client.get("/api/strategies/HRP/status")

    body = response.json()
    assert list(body) == STATUS_KEYS
    assert body["status"] == "not_started"
    assert body["has_results"] is False
    assert body["backtest_id"] is None


def test_status_of_a_completed_run(api_client: APIClient) -> None:
    seed_prices(days=300)
    backtest_id = post_run(api_client).json()["backtest_id"]

    latest = api_client.get("/api/strategies/InverseVolatility/status").json()
    chosen = api_client.get(
        "/api/strategies/InverseVolatility/status", {"backtest_id": backtest_id}
    ).json()

    for body in (latest, chosen):
        assert body["status"] == "completed"
        assert body["has_results"] is True
        assert body["backtest_id"] == backtest_id
        assert ISO_Z.match(body["started_at"])
        assert ISO_Z.match(body["completed_at"])
        assert body["error"] is None


def test_status_of_a_running_run_shows_its_start_time(api_client: APIClient) -> None:
    run = fabricated_run("HRP", status=RunStatus.RUNNING)

    body = api_client.get("/api/strategies/HRP/status").json()

    assert body["status"] == "running"
    assert body["backtest_id"] == run.backtest_id
    assert ISO_Z.match(body["started_at"])
    assert body["completed_at"] is None
    queued = fabricated_run("NCO", status=RunStatus.QUEUED)
    assert api_client.get("/api/strategies/NCO/status").json()["status"] == "running"
    assert queued.started_at is None


def test_status_of_a_failed_run_gives_the_reason(api_client: APIClient) -> None:
    make_universe("EMPTYU", ["NOBARS1"])

    post_run(api_client, universe="EMPTYU")
    body = api_client.get("/api/strategies/InverseVolatility/status").json()

    reason = "Insufficient price data: 0 of 1 tickers have prices before 2022-01-03"
    assert body["status"] == f"failed: {reason}"
    assert body["error"] == reason
    assert body["has_results"] is False


def test_status_of_an_unknown_backtest_id_is_404(api_client: APIClient) -> None:
    other = fabricated_run("NCO")

    response = api_client.get("/api/strategies/HRP/status", {"backtest_id": other.backtest_id})

    assert response.status_code == 404
    assert response.json()["detail"] == (
        f"Backtest '{other.backtest_id}' not found for strategy 'HRP'"
    )


# --- results --------------------------------------------------------------------------------


def test_results_without_runs_is_404(api_client: APIClient) -> None:
    response = api_client.get("/api/strategies/HRP/results")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No results found for strategy 'HRP'. Run a backtest first."
    }


def test_results_of_a_completed_run(api_client: APIClient) -> None:
    seed_prices()
    backtest_id = post_run(api_client).json()["backtest_id"]
    run = BacktestRun.objects.get(backtest_id=backtest_id)

    body = api_client.get("/api/strategies/InverseVolatility/results").json()

    assert list(body) == RESULT_KEYS
    assert body["backtest_id"] == backtest_id
    assert ISO_Z.match(body["completed_at"])
    assert body["config"] == {
        "start_date": "2022-01-03",
        "end_date": run.end_date.isoformat() if run.end_date else None,
        "initial_capital": 100000.0,
        "optimization_method": "EqualWeight",
        "universe": UNIVERSE,
        "tickers": run.tickers,
        "parameters": {"lookback": 42},
    }
    assert list(body["metrics"])[:8] == METRIC_KEYS
    assert body["metrics"] == pytest.approx(run.metrics)
    assert list(body["metrics_display"]) == DISPLAY_KEYS
    sharpe = run.metrics["sharpe_ratio"] if run.metrics else None
    assert body["metrics_display"]["Sharpe Ratio"] == f"{sharpe:.3f}"
    assert body["final_value"] == pytest.approx(run.final_value)
    assert body["weights"] == pytest.approx(run.weights)
    weights = body["weights"]
    assert list(weights) == sorted(weights, key=lambda ticker: -weights[ticker])
    assert body["execution_time"] > 0


def test_results_skip_a_newer_running_run_but_name_it_when_asked(api_client: APIClient) -> None:
    done = fabricated_run("HRP", metrics=dict.fromkeys(METRIC_KEYS, 0.1))
    running = fabricated_run("HRP", status=RunStatus.RUNNING)

    latest = api_client.get("/api/strategies/HRP/results")
    chosen = api_client.get("/api/strategies/HRP/results", {"backtest_id": running.backtest_id})

    assert latest.json()["backtest_id"] == done.backtest_id
    assert chosen.status_code == 409
    assert "still running" in chosen.json()["detail"]


def test_results_with_only_failed_or_running_runs_is_409(api_client: APIClient) -> None:
    fabricated_run("HRP", status=RunStatus.FAILED, error="Insufficient price data: nope")

    failed = api_client.get("/api/strategies/HRP/results")
    fabricated_run("HRP", status=RunStatus.RUNNING)
    running = api_client.get("/api/strategies/HRP/results")

    assert failed.status_code == 409
    assert failed.json()["detail"].endswith("failed: Insufficient price data: nope")
    assert running.status_code == 409
    assert "still running" in running.json()["detail"]


# --- compare --------------------------------------------------------------------------------


def test_compare_all_has_one_row_per_strategy_with_a_completed_run_in_catalogue_order(
    api_client: APIClient,
) -> None:
    metrics = dict.fromkeys(METRIC_KEYS, 0.1)
    fabricated_run("NCO", metrics={**metrics, "cagr": 0.3}, final_value=130_000.0)
    fabricated_run("HRP", metrics={**metrics, "cagr": 0.2}, final_value=120_000.0)
    fabricated_run("OLMAR", status=RunStatus.FAILED, error="x")
    fabricated_run("pipeline", metrics=metrics)

    body = api_client.get("/api/strategies/compare/all").json()

    assert list(body) == ["comparison", "generated_at", "strategies_compared"]
    assert body["strategies_compared"] == 2
    assert body["comparison"] == [
        {
            "strategy": "HRP",
            "category": "Quant 1.0",
            "final_value": 120000.0,
            "total_return": 0.1,
            "cagr": 0.2,
            "sharpe_ratio": 0.1,
            "max_drawdown": 0.1,
            "win_rate": 0.1,
        },
        {
            "strategy": "NCO",
            "category": "Quant 2.0",
            "final_value": 130000.0,
            "total_return": 0.1,
            "cagr": 0.3,
            "sharpe_ratio": 0.1,
            "max_drawdown": 0.1,
            "win_rate": 0.1,
        },
    ]


# --- runs (new) -----------------------------------------------------------------------------


def test_runs_are_listed_newest_first_with_filters_and_pages(api_client: APIClient) -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    made = [
        fabricated_run("HRP", created_at=now - dt.timedelta(minutes=3)),
        fabricated_run("NCO", created_at=now - dt.timedelta(minutes=2)),
        fabricated_run("HRP", status=RunStatus.FAILED, error="x", created_at=now),
    ]

    page = api_client.get("/api/strategies/runs", {"page_size": 2}).json()
    second = api_client.get("/api/strategies/runs/", {"page_size": 2, "page": 2}).json()
    hrp = api_client.get("/api/strategies/runs", {"strategy": "HRP"}).json()
    failed = api_client.get("/api/strategies/runs", {"status": "FAILED"}).json()

    assert list(page) == ["runs", "total", "page", "page_size", "total_pages"]
    assert [r["backtest_id"] for r in page["runs"]] == [made[2].backtest_id, made[1].backtest_id]
    assert (page["total"], page["total_pages"]) == (3, 2)
    assert [r["backtest_id"] for r in second["runs"]] == [made[0].backtest_id]
    assert [r["backtest_id"] for r in hrp["runs"]] == [made[2].backtest_id, made[0].backtest_id]
    assert [r["backtest_id"] for r in failed["runs"]] == [made[2].backtest_id]
    assert failed["runs"][0]["contract_status"] == "failed: x"


@pytest.mark.parametrize(
    "query", [{"status": "done"}, {"page": 0}, {"page_size": 201}, {"page": "x"}]
)
def test_bad_run_list_queries_are_422(api_client: APIClient, query: dict[str, Any]) -> None:
    response = api_client.get("/api/strategies/runs", query)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_a_run_and_its_equity_curve(api_client: APIClient) -> None:
    seed_prices(days=300)
    backtest_id = post_run(api_client).json()["backtest_id"]
    run = BacktestRun.objects.get(backtest_id=backtest_id)

    detail = api_client.get(f"/api/strategies/runs/{backtest_id}").json()
    equity = api_client.get(f"/api/strategies/runs/{backtest_id}/equity/").json()

    assert detail["backtest_id"] == backtest_id
    assert detail["status"] == "completed"
    assert detail["tickers"] == run.tickers
    assert list(detail["metrics_display"]) == DISPLAY_KEYS
    assert detail["links"]["equity"] == f"/api/strategies/runs/{backtest_id}/equity"
    stored = load_series(name=run.series_path)
    assert list(equity) == [
        "backtest_id",
        "strategy_name",
        "dates",
        "equity",
        "drawdown",
        "returns",
    ]
    assert equity["dates"][0] == "2022-01-03"
    assert len(equity["dates"]) == len(equity["equity"]) == len(equity["drawdown"]) == len(stored)
    assert equity["equity"] == pytest.approx(stored["equity"].tolist())
    assert equity["returns"][0] is None
    assert max(equity["drawdown"]) == 0.0
    assert min(equity["drawdown"]) == pytest.approx(
        run.metrics["max_drawdown"] if run.metrics else 0
    )


def test_unknown_runs_are_404_and_unfinished_equity_is_409(api_client: APIClient) -> None:
    running = fabricated_run("HRP", status=RunStatus.RUNNING)

    assert api_client.get("/api/strategies/runs/HRP_nope").status_code == 404
    assert api_client.get("/api/strategies/runs/HRP_nope/equity").status_code == 404
    response = api_client.get(f"/api/strategies/runs/{running.backtest_id}/equity")
    assert response.status_code == 409


def test_head_works_on_the_read_routes(api_client: APIClient) -> None:
    response = api_client.head("/api/strategies")

    assert response.status_code == 200
    assert response.content == b""
