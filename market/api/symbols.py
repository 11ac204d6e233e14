"""``/api/market`` views (new): the symbol catalogue and one ticker's stored bars as columns."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Final

from adrf.views import APIView
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from market.api.common import DOMAIN_ERROR, VALIDATION_ERROR, call_sync, path_parameter
from market.errors import UnknownUniverse
from market.models import Symbol
from market.selectors import PRICE_FIELDS, bars, get_universe, universe_keys
from market.serializers import (
    PriceQuerySerializer,
    PriceSeriesSerializer,
    SymbolListQuerySerializer,
    SymbolListSerializer,
    SymbolSerializer,
)
from parakeet.errors import DomainError
from parakeet.validation import parse_query

TAGS: Final = ["data"]


def filter_symbols(
    *,
    universe: str | None = None,
    exchange: str | None = None,
    asset_class: str | None = None,
    search: str | None = None,
    active: bool | None = None,
) -> QuerySet[Symbol]:
    symbols = Symbol.objects.all()
    if universe is not None:
        try:
            get_universe(key=universe)
        except UnknownUniverse:
            # A bad query parameter is a 400 (contract §1), with the same sentence.
            raise UnknownUniverse(universe, universe_keys(), status_code=400) from None
        symbols = symbols.filter(
            memberships__universe__key=universe, memberships__end_date__isnull=True
        ).distinct()
    if exchange:
        symbols = symbols.filter(exchange__iexact=exchange.strip())
    if asset_class:
        symbols = symbols.filter(asset_class=asset_class)
    if search and search.strip():
        term = search.strip()
        symbols = symbols.filter(Q(ticker__icontains=term) | Q(name__icontains=term))
    if active is not None:
        symbols = symbols.filter(is_active=active)
    return symbols.order_by("ticker")


def symbol_page(*, page: int, page_size: int, **filters: Any) -> dict[str, Any]:
    symbols = filter_symbols(**filters)
    total = symbols.count()
    offset = (page - 1) * page_size
    rows = list(symbols[offset : offset + page_size]) if offset < total else []
    return {
        "symbols": SymbolSerializer(rows, many=True).data,
        "total": total,
        "page": page,
        "page_size": page_size,
        "total_pages": max(1, math.ceil(total / page_size)),
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def price_series(
    *, ticker: str, start: dt.date | None, end: dt.date | None, fields: list[str]
) -> dict[str, Any]:
    symbol = ticker.strip().upper()
    if not Symbol.objects.filter(ticker=symbol).exists():
        raise DomainError(f"Unknown ticker '{ticker}'", status_code=404)
    rows = list(bars(ticker=symbol, start=start, end=end).values_list("date", *fields))
    body: dict[str, Any] = {
        "ticker": symbol,
        "fields": fields,
        "count": len(rows),
        "dates": [row[0].isoformat() for row in rows],
    }
    for index, name in enumerate(fields, start=1):
        if name == "volume":
            body[name] = [row[index] for row in rows]
        else:
            body[name] = [_number(row[index]) for row in rows]
    return body


class SymbolListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="list_symbols",
        summary="Symbols, filtered and paginated",
        parameters=[SymbolListQuerySerializer],
        responses={200: SymbolListSerializer, 400: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, SymbolListQuerySerializer)
        return Response(await call_sync(symbol_page, **query))


class PriceSeriesView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_price_series",
        summary="One ticker's daily bars as column arrays",
        parameters=[
            path_parameter("ticker", "A stored ticker, e.g. `AAPL`."),
            PriceQuerySerializer,
        ],
        responses={200: PriceSeriesSerializer, 404: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request, ticker: str) -> Response:
        query = parse_query(request, PriceQuerySerializer)
        return Response(
            await call_sync(
                price_series,
                ticker=ticker,
                start=query.get("start"),
                end=query.get("end"),
                fields=query.get("fields") or list(PRICE_FIELDS),
            )
        )
