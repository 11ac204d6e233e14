"""``manage.py ingest``: fetch daily bars from Tiingo and Yahoo into ``market_data``.

Incremental by default (each ticker from its last stored date minus a 5-day overlap, up to
its exchange's last completed session); idempotent; committed every 25 tickers; audited in
``IngestRun``. Exit codes: 0 every ticker succeeded, 3 some failed (the others are stored),
1 the run could not start (bad arguments, unknown universe, database unreachable, no source
configured for the requested tickers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Final, NoReturn, TextIO

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError
from django.utils import timezone

from ingest.errors import IngestCannotStart
from ingest.planning import DEFAULT_UNIVERSES, MAX_CONCURRENCY, IngestParameters, Trigger
from ingest.services import (
    IngestSummary,
    Progress,
    create_run,
    execute_run,
    prepare_ingest,
)
from ingest.sources import DEFAULT_CONCURRENCY
from ingest.sources.routing import SOURCE_CHOICES

if TYPE_CHECKING:
    from tqdm import tqdm

EXIT_CANNOT_START: Final = 1
EXIT_PARTIAL: Final = 3
ARGPARSE_USAGE_ERROR: Final = 2
MAX_LISTED_FAILURES: Final = 50


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


class ProgressReporter:
    """A tqdm bar on a terminal; otherwise one key=value line per stored batch.

    tqdm is imported when the first bar is drawn, so runs that are not on a terminal (cron,
    CI, Lambda, ``--json``) never import it.
    """

    def __init__(self, stream: OutputWrapper | TextIO, *, run_id: int, tty: bool) -> None:
        self.stream = stream
        self.run_id = run_id
        self.tty = tty
        self.bar: tqdm[NoReturn] | None = None

    def __call__(self, progress: Progress) -> None:
        if self.tty:
            self._draw(progress)
        elif progress.event == "stored":
            self._write(
                f"ingest progress run={self.run_id} processed={progress.processed} "
                f"total={progress.total} succeeded={progress.succeeded} "
                f"failed={progress.failed} rows_written={progress.rows_written}\n"
            )

    def _draw(self, progress: Progress) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=progress.total,
                desc=f"Ingest run {self.run_id}",
                unit="ticker",
                file=BarStream(self.stream),
                dynamic_ncols=True,  # follows the terminal's width (BarStream.fileno)
                leave=True,
            )
        bar = self.bar
        # Up-to-date tickers are never fetched: they count once their batch is stored.
        done = max(progress.fetched, progress.processed, bar.n)
        counts = {
            "stored": progress.processed,
            "failed": progress.failed,
            "rows": progress.rows_written,
        }
        bar.set_postfix(counts, refresh=False)  # a dict keeps this order (kwargs get sorted)
        if progress.event == "stored":
            bar.n = done
            bar.refresh()
        else:
            bar.update(done - bar.n)  # redraws at most every tqdm.mininterval

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()  # the final state, then a newline

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()


class BarStream:
    """What tqdm writes to: the command's stream, without Django's styling or added newline."""

    def __init__(self, stream: OutputWrapper | TextIO) -> None:
        self.stream = stream

    @property
    def encoding(self) -> str | None:
        return getattr(self.stream, "encoding", None)

    def write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, style_func=_unstyled, ending="")
        else:
            self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        # tqdm sizes the bar to the terminal; a stream without a descriptor raises here.
        return self.stream.fileno()


def _unstyled(text: str) -> str:
    return text


def render_summary(summary: IngestSummary) -> str:
    rows = [
        ("tickers requested", summary.requested),
        ("tickers ok", summary.succeeded),
        ("tickers failed", summary.failed),
        ("bars fetched", summary.bars_fetched),
        ("rows inserted", summary.rows_inserted),
        ("rows updated", summary.rows_updated),
        ("rows unchanged", summary.rows_unchanged),
        ("rows rejected", summary.rows_rejected),
        ("duration", f"{summary.duration_seconds:.1f} s"),
    ]
    dry = " (dry run: nothing written)" if summary.dry_run else ""
    lines = [f"Ingest run {summary.ingest_run_id}: {summary.status}{dry}"]
    width = max(len(label) for label, _ in rows)
    lines += [f"  {label:<{width}}  {value:>10}" for label, value in rows]
    if summary.failures:
        lines.append("Failures:")
        ticker_width = max(len(f["ticker"]) for f in summary.failures[:MAX_LISTED_FAILURES])
        lines += [
            f"  {f['ticker']:<{ticker_width}}  {f['message']}"
            for f in summary.failures[:MAX_LISTED_FAILURES]
        ]
        if len(summary.failures) > MAX_LISTED_FAILURES:
            lines.append(f"  ... and {len(summary.failures) - MAX_LISTED_FAILURES} more")
    if summary.rejections:
        lines.append(f"Rejected bars (first {len(summary.rejections)}):")
        lines += [f"  {r['ticker']} {r['date']}: {r['reason']}" for r in summary.rejections]
    if summary.caches_rebuilt:
        lines.append(f"Price cache rebuilt: {', '.join(summary.caches_rebuilt)}")
    lines += [f"Warning: {warning}" for warning in summary.warnings]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Fetch daily bars (Tiingo for US tickers, Yahoo for .AX, indices and crypto), validate "
        "them and upsert them into market_data, then rebuild the Parquet cache of the "
        f"universes touched. Without --universe/--tickers: {', '.join(DEFAULT_UNIVERSES)}. "
        "Exit 0 all ok, 3 some tickers failed, 1 the run could not start."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--universe",
            action="append",
            dest="universes",
            default=[],
            metavar="KEY",
            help="a universe key (SPX500, ASX200, ...); repeatable",
        )
        parser.add_argument("--tickers", nargs="+", default=[], metavar="T", help="tickers")
        window = parser.add_mutually_exclusive_group()
        window.add_argument(
            "--since", type=_date, metavar="YYYY-MM-DD", help="fetch every ticker from this date"
        )
        window.add_argument(
            "--lookback-days",
            type=_positive_int,
            metavar="N",
            help="fetch the last N days of every ticker",
        )
        window.add_argument(
            "--full-history", action="store_true", help="fetch every ticker from 2000-01-01"
        )
        parser.add_argument(
            "--source",
            choices=SOURCE_CHOICES,
            default="auto",
            help="auto routes .AX, indices and crypto to Yahoo and the rest to Tiingo",
        )
        parser.add_argument(
            "--concurrency",
            type=_positive_int,
            default=DEFAULT_CONCURRENCY,
            metavar="N",
            help=f"tickers fetched at once (default {DEFAULT_CONCURRENCY}, at most "
            f"{MAX_CONCURRENCY})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="fetch and validate; write no bars"
        )
        parser.add_argument(
            "--no-cache-rebuild", action="store_true", help="leave the Parquet cache alone"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="print a machine-readable summary on stdout",
        )

    def run_from_argv(self, argv: list[str]) -> None:
        # argparse exits 2 on a usage error; this command's contract says 1.
        try:
            super().run_from_argv(argv)
        except SystemExit as exc:
            if exc.code == ARGPARSE_USAGE_ERROR:
                raise SystemExit(EXIT_CANNOT_START) from None
            raise

    def handle(self, *args: Any, **options: Any) -> None:
        parameters = self._parameters(options)
        try:
            plan = prepare_ingest(parameters=parameters)
            run = create_run(parameters=parameters)
        except IngestCannotStart as exc:
            raise CommandError(str(exc), returncode=EXIT_CANNOT_START) from None
        except DatabaseError as exc:
            raise CommandError(
                f"The database is unreachable: {exc}".strip(), returncode=EXIT_CANNOT_START
            ) from None
        if not options["as_json"]:
            for warning in plan.warnings:
                self.stderr.write(f"Warning: {warning}")
        # The bar is for people: --json asks for machine output, so it gets the log lines.
        reporter = ProgressReporter(
            self.stderr, run_id=run.pk, tty=_isatty(self.stderr) and not options["as_json"]
        )
        try:
            summary = execute_run(run=run, plan=plan, progress=reporter)
        except DatabaseError as exc:
            raise CommandError(
                f"Ingest run {run.pk} failed, the database is unreachable: {exc}",
                returncode=EXIT_CANNOT_START,
            ) from None
        finally:
            reporter.close()
        if options["as_json"]:
            self.stdout.write(json.dumps(summary.to_json(), indent=2))
        else:
            self.stdout.write(render_summary(summary))
        if summary.failed:
            raise SystemExit(EXIT_PARTIAL)

    def _parameters(self, options: dict[str, Any]) -> IngestParameters:
        since: dt.date | None = options["since"]
        if since is not None and since > timezone.now().date():
            raise CommandError(f"--since {since} is in the future", returncode=EXIT_CANNOT_START)
        if options["concurrency"] > MAX_CONCURRENCY:
            raise CommandError(
                f"--concurrency must be at most {MAX_CONCURRENCY}", returncode=EXIT_CANNOT_START
            )
        tickers = tuple(dict.fromkeys(t.strip().upper() for t in options["tickers"] if t.strip()))
        try:
            return IngestParameters(
                universes=tuple(dict.fromkeys(options["universes"])),
                tickers=tickers,
                since=since,
                lookback_days=options["lookback_days"],
                full_history=options["full_history"],
                source=options["source"],
                concurrency=options["concurrency"],
                dry_run=options["dry_run"],
                rebuild_cache=not options["no_cache_rebuild"],
                trigger=Trigger.COMMAND,
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=EXIT_CANNOT_START) from None


def _isatty(stream: OutputWrapper) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
