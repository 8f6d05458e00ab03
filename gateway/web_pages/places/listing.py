"""``/lieux``: the search form (GET, no JavaScript needed) and its results, paged by the
server, with the map and « Près de moi » on top when scripts run."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.directory import (
    PLACE_PAGE_SIZE,
    Equipment,
    PlaceKind,
    PlaceStatus,
)

from ... import i18n
from ...deps import ServicesDep
from ...i18n import gettext
from ...rpc_client import RemoteError, ServiceUnavailable
from ..render import render
from ..site import capabilities, domain_code, unavailable
from .labels import EQUIPMENT_LABELS, KIND_LABELS, LIST_PATH, RADII, is_staff

router = APIRouter(include_in_schema=False)


# --- the list -------------------------------------------------------------------------------------
def list_filters(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the search's filters, the form's values) from the page's query; a value that does
    not parse is left out, never an error page."""
    query = request.query_params
    kinds = [k for k in query.getlist("kind") if k in PlaceKind.__members__]
    equipment = [e for e in query.getlist("equipment") if e in Equipment.__members__]
    status = query.get("status", "")
    values: dict[str, Any] = {
        "q": query.get("q", "")[:200],
        "kind": kinds,
        "equipment": equipment,
        "status": status if status in PlaceStatus.__members__ else "",
        "commune": query.get("commune", "")[:120],
        "network": query.get("network", "")[:40],
        "open_now": query.get("open_now") == "1",
        "open_on": query.get("open_on", ""),
        "lat": query.get("lat", ""),
        "lon": query.get("lon", ""),
        "radius_km": query.get("radius_km", ""),
    }
    filters: dict[str, Any] = {
        "q": values["q"] or None,
        "kind": kinds,
        "equipment": equipment,
        "status": [values["status"]] if values["status"] else [],
        "commune": values["commune"] or None,
        "network": values["network"] or None,
        "open_now": values["open_now"],
        "page_size": PLACE_PAGE_SIZE,
    }
    try:
        filters["page"] = max(1, min(int(query.get("page", "1")), 10_000))
    except ValueError:
        filters["page"] = 1
    try:
        filters["open_on"] = datetime.strptime(values["open_on"], "%Y-%m-%d").date().isoformat()
    except ValueError:
        values["open_on"] = ""
    try:
        lat, lon = float(values["lat"]), float(values["lon"])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            filters.update(lat=lat, lon=lon)
            radius = float(values["radius_km"] or 20)
            filters["radius_km"] = radius if 0 < radius <= 500 else 20
    except ValueError:
        values.update(lat="", lon="")
    return {k: v for k, v in filters.items() if v not in (None, [], False)}, values


def page_link(request: Request, page: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return f"{LIST_PATH}?{urlencode([*params, ('page', page)])}"


@router.get(LIST_PATH)
def places_list(request: Request, services: ServicesDep) -> Response:
    running = capabilities(request)
    if not running.get("directory"):
        return unavailable(request, running)
    filters, values = list_filters(request)
    try:
        found = services.call("directory", "search_places", filters)
    except ServiceUnavailable:
        return unavailable(request, running)
    except RemoteError as exc:
        domain_code(exc)  # a filter the service refuses: the list without it
        found = {"items": [], "total": 0, "page": 1, "pages": 1, "page_size": PLACE_PAGE_SIZE}
    language = i18n.page_language(request)
    context = {
        "services": running,
        "found": found,
        "values": values,
        "kinds": [(k.value, gettext(language, KIND_LABELS[k.value])) for k in PlaceKind],
        "equipments": [(e.value, gettext(language, EQUIPMENT_LABELS[e.value])) for e in Equipment],
        "radii": RADII,
        "previous_page": page_link(request, found["page"] - 1) if found["page"] > 1 else None,
        "next_page": page_link(request, found["page"] + 1)
        if found["page"] < found["pages"]
        else None,
        "tiles_url": request.app.state.settings.map_tiles_url,
        "may_add": is_staff(services.caller),
    }
    return render(request, "places.html", context)
