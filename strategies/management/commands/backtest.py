"""``manage.py backtest STRATEGY``: run a backtest now, in this process, and print its metrics.

The run is created and validated exactly as ``POST /api/strategies/run`` does (same
defaults, same rules, a ``BacktestRun`` row with its series in storage) but executed
synchronously instead of through the task queue. Bad input exits with status 1 and a
message naming each bad field; a failed run exits with status 1 and its reason.

    manage.py backtest Momentum --universe US_ETFS --start 2021-01-01 --param top_n=5
    manage.py backtest HRP --tickers SPY TLT GLD --method EqualWeight
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parakeet.validation import RequestValidationError, validate
from strategies import catalog, run_inputs, services
from strategies.models import BacktestRun, RunStatus
from strategies.selectors import display_metrics, weights_of
from strategies.serializers import OPTIMIZATION_METHODS, BacktestRequestSerializer

TOP_WEIGHTS = 10


def parse_param(text: str) -> tuple[str, Any]:
    """``key=value``; the value is read as JSON (``5``, ``2.5``, ``"ward"``) or kept as text."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise CommandError(f"--param expects key=value, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def split_tickers(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [ticker for value in values for ticker in value.split(",") if ticker.strip()]


def describe(error: RequestValidationError) -> str:
    lines = []
    for item in error.items:
        where = ".".join(str(part) for part in item["loc"][1:]) or "input"
        lines.append(f"{where}: {item['msg']}")
    return "Invalid input:\n  " + "\n  ".join(lines)


class Command(BaseCommand):
    help = "Run a catalogue strategy's backtest synchronously and print its metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("strategy", help="Catalogue name, e.g. Momentum or HRP.")
        parser.add_argument("--universe", default=None, help="Universe key (default SPX500).")
        parser.add_argument(
            "--tickers", nargs="+", default=None, help="Tickers (space or comma separated)."
        )
        parser.add_argument("--start", default=None, help="Start date YYYY-MM-DD (2020-01-01).")
        parser.add_argument("--end", default=None, help="End date (latest stored date).")
        parser.add_argument(
            "--method", default=None, help=f"One of {', '.join(OPTIMIZATION_METHODS)} (HRP)."
        )
        parser.add_argument("--capital", default=None, help="Initial capital (100000).")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A strategy parameter; repeat for several.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        body: dict[str, Any] = {"strategy_name": options["strategy"]}
        optional = {
            "universe": options["universe"],
            "tickers": split_tickers(options["tickers"]),
            "start_date": options["start"],
            "end_date": options["end"],
            "optimization_method": options["method"],
            "initial_capital": options["capital"],
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if options["param"]:
            body["parameters"] = dict(parse_param(text) for text in options["param"])
        try:
            data = validate(BacktestRequestSerializer, body, "body")
            if catalog.find(data["strategy_name"]) is None:
                raise CommandError(
                    f"Strategy '{data['strategy_name']}' not found. Available: {catalog.names()}"
                )
            inputs = run_inputs.checked_inputs(data)
        except RequestValidationError as exc:
            raise CommandError(describe(exc)) from None
        run = services.create_backtest_run(**inputs)
        self.stdout.write(f"Running {run.backtest_id} ...")
        run = services.execute_backtest(backtest_id=run.backtest_id)
        if run.status != RunStatus.COMPLETED:
            raise CommandError(f"Backtest {run.backtest_id} failed: {run.error}")
        self.print_report(run)

    def print_report(self, run: BacktestRun) -> None:
        write = self.stdout.write
        tickers = len(run.tickers or [])
        write(
            self.style.SUCCESS(
                f"Backtest {run.backtest_id} completed in {run.execution_time or 0:.2f} s"
            )
        )
        write(
            f"{run.strategy_name} on {run.universe} ({tickers} tickers), "
            f"{run.start_date.isoformat()} to {run.end_date.isoformat() if run.end_date else '?'}, "
            f"{run.optimization_method}, parameters {json.dumps(run.parameters, sort_keys=True)}"
        )
        rows = [*display_metrics(run).items(), ("Final Value", f"{run.final_value or 0:,.2f}")]
        width = max(len(label) for label, _ in rows)
        write("")
        write(f"{'Metric'.ljust(width)}  Value")
        write(f"{'-' * width}  {'-' * 12}")
        for label, value in rows:
            write(f"{label.ljust(width)}  {value}")
        weights = list(weights_of(run).items())[:TOP_WEIGHTS]
        if weights:
            write("")
            write("Final weights (largest first):")
            for ticker, weight in weights:
                write(f"  {ticker:<10} {weight:8.2%}")
