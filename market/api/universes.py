"""``/api/universes`` views (contract §2.6, §5): the universes loaded from the shipped files,
their current members, and point-in-time members with ``as_of``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from adrf.views import APIView
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from market.api.common import DOMAIN_ERROR, VALIDATION_ERROR, call_sync, path_parameter
from market.models import Universe
from market.selectors import get_universe, members, universes_with_counts
from market.serializers import (
    RegionSerializer,
    UniverseDetailSerializer,
    UniverseListSerializer,
    UniverseTickersQuerySerializer,
    UniverseTickersSerializer,
)
from parakeet.errors import DomainError
from parakeet.validation import parse_query

TAGS: Final = ["universes"]
UNIVERSE_KEY = path_parameter("universe_key", "A universe key (case-sensitive), e.g. `SPX500`.")


def _universe(universe: Universe) -> dict[str, Any]:
    return {
        "key": universe.key,
        "name": universe.name,
        "description": universe.description,
        "region": universe.region,
        "asset_class": universe.asset_class,
        "ticker_count": getattr(universe, "ticker_count", 0),
    }


def universe_list() -> dict[str, Any]:
    universes = [_universe(u) for u in universes_with_counts()]
    return {"universes": universes, "count": len(universes)}


def universe_detail(*, key: str) -> dict[str, Any]:
    get_universe(key=key)  # UnknownUniverse (404) before anything else
    universe = universes_with_counts().get(key=key)
    return {**_universe(universe), "tickers": members(index=key)}


def universe_tickers(*, key: str, as_of: dt.date | None) -> dict[str, Any]:
    tickers = members(index=key, as_of=as_of)
    return {
        "universe": key,
        "tickers": tickers,
        "count": len(tickers),
        "as_of": as_of.isoformat() if as_of else None,
    }


def region_universes(*, region: str) -> dict[str, Any]:
    wanted = region.strip().upper()
    universes = [u for u in universes_with_counts() if u.region.upper() == wanted]
    if not universes:
        available = sorted({r.upper() for r in Universe.objects.values_list("region", flat=True)})
        raise DomainError(
            f"No universes found for region '{region}'. Available: [{', '.join(available)}]",
            status_code=404,
        )
    rows = []
    for universe in universes:
        row = _universe(universe)
        key = row.pop("key")
        rows.append({**row, "key": key})
    return {"region": wanted, "universes": rows, "count": len(rows)}


class UniverseListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="list_universes",
        summary="Every universe with its ticker count",
        responses={200: UniverseListSerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(await call_sync(universe_list))


class UniverseRegionView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="list_universes_by_region",
        summary="The universes of one region",
        parameters=[path_parameter("region", "US, AU or GLOBAL, in any case.")],
        responses={200: RegionSerializer, 404: DOMAIN_ERROR},
    )
    async def get(self, request: Request, region: str) -> Response:
        return Response(await call_sync(region_universes, region=region))


class UniverseDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_universe",
        summary="One universe with its current tickers",
        parameters=[UNIVERSE_KEY],
        responses={200: UniverseDetailSerializer, 404: DOMAIN_ERROR},
    )
    async def get(self, request: Request, universe_key: str) -> Response:
        return Response(await call_sync(universe_detail, key=universe_key))


class UniverseTickersView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_universe_tickers",
        summary="A universe's tickers, now or on a past date",
        parameters=[UNIVERSE_KEY, UniverseTickersQuerySerializer],
        responses={200: UniverseTickersSerializer, 404: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request, universe_key: str) -> Response:
        query = parse_query(request, UniverseTickersQuerySerializer)
        return Response(
            await call_sync(universe_tickers, key=universe_key, as_of=query.get("as_of"))
        )
