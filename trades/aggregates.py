"""Database expressions and aggregate clean-up for the trade selectors, SQLite-aware.

Django's portable forms of these (``TruncDate`` with a timezone, datetime subtraction) call a
Python function per row on SQLite, and SQLite sums decimals in floating point; these keep
the aggregation in SQL on both databases and give the same figures on both.
"""

from __future__ import annotations

from datetime import UTC
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DurationField, F, Func
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler

from trades.models import MONEY_PLACES

_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)


class UtcDate(TruncDate):
    """The UTC calendar date of a datetime column, for grouping by day in the database.

    ``TruncDate(column, tzinfo=UTC)`` everywhere, except that on SQLite (which stores
    datetimes as UTC text) it is the native ``date()`` rather than Django's Python function,
    which costs a Python call per row.
    """

    def __init__(self, expression: str) -> None:
        super().__init__(expression, tzinfo=UTC)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        sql, params = compiler.compile(self.lhs)
        return f"date({sql})", tuple(params)


class Elapsed(Func):
    """``end - start`` of two datetime columns as a duration; NULL when either is NULL.

    Django's datetime subtraction everywhere (an interval on PostgreSQL), except on SQLite,
    where Django computes it with a Python function called per row. There it is native SQL
    in integer microseconds, which is exact for the text Django stores
    (``YYYY-MM-DD HH:MM:SS[.ffffff]``, naive UTC): whole seconds from ``strftime('%s')`` of
    the first 19 characters (the fraction is cut off first, as SQLite would round it to
    milliseconds and could carry into the next second) plus the digits after the dot,
    padded to six.
    """

    output_field = DurationField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        sql, params = connection.ops.subtract_temporals("DateTimeField", end, start)
        return sql, tuple(params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return (
            f"({self._sqlite_microseconds(end[0])} - {self._sqlite_microseconds(start[0])})",
            (*end[1], *end[1], *start[1], *start[1]),
        )

    @staticmethod
    def _sqlite_microseconds(column: str) -> str:
        # '%%' is how a literal '%' survives Django's "format"-style parameter conversion.
        return (
            f"(CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({column} || '000000', 21, 6) AS INTEGER))"
        )


def summed_money(total: Decimal | None) -> Decimal:
    """A database SUM of money at the 4 places every stored amount has (0 over no rows).

    Every money total the selectors aggregate in the database goes through here: the
    realised pnl (overall, per UTC exit day, per period, per ticker) and the invested
    amount. PostgreSQL sums NUMERIC exactly, so a pnl sum already has 4 places and this
    changes nothing. SQLite keeps fractional decimals as REAL and sums them in floating
    point, so a total can come back as ``-3704.32000000003``; rounding half-even to 4 dp
    restores the exact sum of the stored amounts, as long as the accumulated error stays
    under half a unit in the 4th place (for amounts of everyday size it is many orders of
    magnitude smaller). ``entry_price * quantity`` has up to 16 places, which this rounds
    to money precision on either database.

    The rounding has a context with room for every whole digit of the total, so a sum
    larger than the default 28 significant digits (NUMERIC sums have no such limit) is
    rounded rather than raising ``InvalidOperation``.
    """
    if total is None:
        return Decimal(0)
    digits = max(total.adjusted(), 0) + 2 + MONEY_PLACES  # whole digits, a carry, places
    return total.quantize(_MONEY_QUANTUM, ROUND_HALF_EVEN, Context(prec=digits))
