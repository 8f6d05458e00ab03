"""Places of the network (directory service): create, search, read, edit, history."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from contracts.directory import (
    MAX_PLACE_PAGE_SIZE,
    PLACE_PAGE_SIZE,
    Equipment,
    PlaceHit,
    PlaceIn,
    PlaceKind,
    PlaceOut,
    PlacePatch,
    PlaceStatus,
)
from contracts.models import IsoDate

from .. import paths  # noqa: F401  (the ``place_id`` path convertor)
from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/places", tags=["places"])


@router.post("", status_code=201, response_model=PlaceOut)
def create_place(place: PlaceIn, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    return services.call(
        "directory", "create_place", place.model_dump(mode="json", exclude_unset=True), key
    )


def place_filters(
    q: str | None = Query(None, max_length=200, description="Words of the name, commune…"),
    kind: list[PlaceKind] = Query([], description="Any of these kinds (repeatable)"),
    equipment: list[Equipment] = Query([], description="All of these (repeatable)"),
    status: list[PlaceStatus] = Query([], description="Any of these statuses (repeatable)"),
    commune: str | None = Query(None, max_length=120),
    network: str | None = Query(None, max_length=40),
    open_now: bool = Query(False),
    open_on: IsoDate | None = Query(None, description="Open at some time that day"),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius_km: float | None = Query(None, gt=0, le=500),
    bbox: str | None = Query(None, max_length=100, description="min_lon,min_lat,max_lon,max_lat"),
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(PLACE_PAGE_SIZE, ge=1, le=MAX_PLACE_PAGE_SIZE),
) -> dict[str, Any]:
    """The search's filters as ``contracts.directory.PlaceSearch`` takes them; the CSV and
    GeoJSON exports use the same dependency."""
    found = {
        "q": q,
        "kind": [k.value for k in kind],
        "equipment": [e.value for e in equipment],
        "status": [s.value for s in status],
        "commune": commune,
        "network": network,
        "open_now": open_now,
        "open_on": open_on.isoformat() if open_on else None,
        "lat": lat,
        "lon": lon,
        "radius_km": radius_km,
        "bbox": bbox,
        "page": page,
        "page_size": page_size,
    }
    return {k: v for k, v in found.items() if v not in (None, [], False)}


PlaceFilters = Annotated[dict[str, Any], Depends(place_filters)]


def page_links(request: Request, page: int, pages: int) -> str:
    """RFC 8288 ``Link`` header: the first, previous, next and last pages."""
    base = str(request.url).split("?")[0]
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def link(number: int, rel: str) -> str:
        return f'<{base}?{urlencode([*params, ("page", number)])}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, pages), "prev"))
    if page < pages:
        links.append(link(page + 1, "next"))
    links.append(link(pages, "last"))
    return ", ".join(links)


@router.get("", response_model=list[PlaceHit])
def search_places(
    request: Request,
    response: Response,
    services: ServicesDep,
    filters: PlaceFilters,
) -> list[dict]:
    """One page of the places matching every filter given (all optional), sorted by distance
    when ``lat``/``lon`` are given, else by name. The body stays a plain list (as before
    the search existed); the total and pages are in ``X-Total-Count``, ``X-Page``,
    ``X-Page-Size``, ``X-Pages`` and ``Link``."""
    found = services.call("directory", "search_places", filters)
    response.headers["X-Total-Count"] = str(found["total"])
    response.headers["X-Page"] = str(found["page"])
    response.headers["X-Page-Size"] = str(found["page_size"])
    response.headers["X-Pages"] = str(found["pages"])
    response.headers["Link"] = page_links(request, found["page"], found["pages"])
    return found["items"]


@router.get("/{place_id:place_id}", response_model=PlaceOut)
def get_place(place_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.call("directory", "get_place", place_id)


@router.patch("/{place_id:place_id}", response_model=PlaceOut)
def update_place(
    place_id: str, patch: PlacePatch, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Change the fields given (``null`` clears an optional one); ``status`` (with
    ``status_since``) opens a project or closes a place. A coordinator, an admin, or a
    manager of this place."""
    changes = patch.model_dump(mode="json", exclude_unset=True)
    return services.call("directory", "update_place", place_id, changes, key)
