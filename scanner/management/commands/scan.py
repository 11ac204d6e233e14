"""``manage.py scan TYPE``: run a scan now, in this process, and print the top rows.

Validated and recorded exactly like ``POST /api/scanner/run`` (a ``ScanRun`` row), executed
synchronously. Bad input or a failed scan exits with status 1 and a clear message.

    manage.py scan quallamaggie --universe sp500 --min-price 10
    manage.py scan momentum --tickers AAPL MSFT NVDA --top 5
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parakeet.validation import RequestValidationError, validate
from scanner import services
from scanner.models import ScanRun, ScanStatus
from scanner.run_inputs import checked_inputs
from scanner.serializers import ScanRequestSerializer
from strategies.management.commands.backtest import describe, parse_param, split_tickers


class Command(BaseCommand):
    help = "Run a scanner synchronously over stored bars and print the top results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scanner_type", help="quallamaggie, momentum or mean_reversion.")
        parser.add_argument("--universe", default=None, help="sp500, nasdaq100, asx200 or all.")
        parser.add_argument("--min-price", dest="min_price", default=None)
        parser.add_argument("--max-price", dest="max_price", default=None)
        parser.add_argument("--min-volume", dest="min_volume", default=None)
        parser.add_argument(
            "--tickers", nargs="+", default=None, help="Custom tickers instead of a universe."
        )
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A scanner parameter (e.g. lookback_days=126); repeat for several.",
        )
        parser.add_argument("--top", type=int, default=20, help="Rows to print (20).")

    def handle(self, *args: Any, **options: Any) -> None:
        body: dict[str, Any] = {"scanner_type": options["scanner_type"]}
        optional = {
            "universe": options["universe"],
            "min_price": options["min_price"],
            "max_price": options["max_price"],
            "min_volume": options["min_volume"],
            "custom_tickers": split_tickers(options["tickers"]),
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if options["param"]:
            body["parameters"] = dict(parse_param(text) for text in options["param"])
        try:
            data = validate(ScanRequestSerializer, body, "body")
            run = services.create_scan_run(**checked_inputs(data))
        except RequestValidationError as exc:
            raise CommandError(describe(exc)) from None
        run = services.execute_scan(scan_id=run.scan_id)
        if run.status != ScanStatus.COMPLETED:
            raise CommandError(f"Scan {run.scan_id} failed: {run.error}")
        self.print_report(run, top=max(0, options["top"]))

    def print_report(self, run: ScanRun, *, top: int) -> None:
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"Scan {run.scan_id} completed in {run.execution_time or 0:.2f} s: "
                f"{run.results_found} results, {run.tickers_scanned} tickers scanned, "
                f"{run.tickers_skipped} skipped"
            )
        )
        rows = list(run.results or [])[:top]
        if not rows:
            write("No stocks passed the filters.")
            return
        write(
            f"{'Ticker':<10} {'Signal':<11} {'Score':>6} {'Price':>10} {'Chg%':>7} {'Volume':>12}"
        )
        for row in rows:
            change = row.get("change_pct")
            write(
                f"{row['ticker']:<10} {row['signal']:<11} {row['score']:>6.1f} "
                f"{row['price']:>10.2f} {'' if change is None else f'{change:.2f}':>7} "
                f"{row['volume']:>12,}"
            )
