"""Availability beyond one resource (booking service): every resource of a place, the
territory's search ("a desk on Thursday within 20 km of Nyons") and "can one book here?".

Public: anyone may ask, no person is in the answers. Booking answers from its own
projection of the places (name, commune, point): no call to the directory on these paths.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.booking import (
    BOOKABLE_DEFAULT_DAYS,
    BOOKABLE_MAX_DAYS,
    RADIUS_MAX_KM,
    SEARCH_LIMIT_MAX,
    BookableOut,
    PlaceAvailabilityOut,
    ResourceKind,
    SearchOut,
    SearchQuery,
)

from ..deps import ServicesDep
from .resources import When

router = APIRouter(tags=["availability"])

From = Annotated[When, Query(alias="from")]
To = Annotated[When, Query(alias="to")]
Seats = Annotated[int, Query(ge=1, le=500)]


@router.get("/places/{place_id}/availability", response_model=PlaceAvailabilityOut)
def place_availability(
    place_id: str,
    services: ServicesDep,
    start: From = None,
    end: To = None,
    kind: ResourceKind | None = None,
    seats: Seats = 1,
) -> dict[str, Any]:
    """Every resource of the place (of ``kind``) with its free units having ``seats`` seats
    left, each as ``/api/resources/{id}/availability`` answers; ``from``/``to`` likewise (by
    default today and the next 7 days, at most 31). A place with no resource: none."""
    return services.call(
        "booking", "place_availability", place_id, start, end, kind.value if kind else None, seats
    )


@router.get("/places/{place_id}/bookable", response_model=BookableOut)
def bookable(
    place_id: str,
    services: ServicesDep,
    days: Annotated[int, Query(ge=1, le=BOOKABLE_MAX_DAYS)] = BOOKABLE_DEFAULT_DAYS,
) -> dict[str, Any]:
    """Whether one seat of any resource of the place is free in the next ``days`` days, and
    the first such unit: it stops there (for maps and links)."""
    return services.call("booking", "bookable", place_id, days)


@router.get("/availability", response_model=SearchOut)
def search_availability(
    services: ServicesDep,
    start: From = None,
    end: To = None,
    kind: ResourceKind | None = None,
    seats: Seats = 1,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=RADIUS_MAX_KM)] = None,
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_MAX)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    """The places with a resource of ``kind`` having a free unit with ``seats`` seats in the
    window, each with its name, commune, distance (km, haversine, one decimal) from
    (``lat``, ``lon``) and its first free units; nearest first when a point is given (places
    without a known point last, ``located: false``), else by name. ``radius_km`` needs the
    point (422 ``radius_without_point``) and leaves out the places beyond it or without a
    point. ``limit`` places from ``offset``; ``next_offset`` names the next page."""
    query = SearchQuery(
        kind=kind,
        start=start,
        end=end,
        seats=seats,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        limit=limit,
        offset=offset,
    )
    return services.call("booking", "search_availability", query.model_dump(mode="json"))
