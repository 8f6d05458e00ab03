"""Free slots on the web: the availability grid of a place's resources (days × free units,
each a link to the booking form filled in with it: pick a free slot, no guessing times)
and the territory's search page (« Disponibilités »: kind, day, seats, near a commune).

Both read booking alone (``place_availability``, ``search_availability``: one call each);
the search page's list of communes comes from the directory's places and the page works
without it (then without distances). No JavaScript: links and a GET form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.booking import ResourceKind
from contracts.errors import remote_error

from .. import i18n
from ..deps import Services, ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable
from .render import render

GRID_DAYS = 7
# Query parameters of a slot picked in the grid: the booking form arrives filled with it.
PICKED = ("ressource", "date", "debut", "fin")
RADII = (5, 10, 20, 50)
SEARCH_PATH = "/disponibilites"

router = APIRouter(include_in_schema=False)


@dataclass
class Slot:
    start: datetime
    end: datetime
    seats_left: int

    @property
    def values(self) -> dict[str, str]:
        """The booking form's fields for this slot (its local date and times)."""
        return {
            "date": self.start.date().isoformat(),
            "debut": f"{self.start:%H:%M}",
            "fin": f"{self.end:%H:%M}",
        }


@dataclass
class Day:
    day: date
    slots: list[Slot] = field(default_factory=list)


def merged_hours(free: list[Slot]) -> list[Slot]:
    """Quarter-hour units shown as the whole hours they fill (a grid of 36 quarters a day is
    no help to anyone); a free quarter of a half-taken hour stays bookable through the form."""
    by_start = {slot.start: slot for slot in free}
    hours = []
    for slot in free:
        if slot.start.minute:
            continue
        quarters = [by_start.get(slot.start + timedelta(minutes=15 * i)) for i in range(4)]
        if all(quarters):
            seats = min(q.seats_left for q in quarters if q)
            hours.append(Slot(slot.start, slot.start + timedelta(hours=1), seats))
    return hours


def grid(availability: dict[str, Any], first: date, days: int = GRID_DAYS) -> list[Day]:
    """One resource's free units by local day, every day of the grid listed (an empty day
    reads « complet ou fermé »)."""
    free = [
        Slot(
            datetime.fromisoformat(str(f["start"])),
            datetime.fromisoformat(str(f["end"])),
            f["seats_left"],
        )
        for f in availability.get("free", [])
    ]
    if availability.get("unit") == "quarter_hour":
        free = merged_hours(free)
    rows = {first + timedelta(days=i): Day(first + timedelta(days=i)) for i in range(days)}
    for slot in free:
        if slot.start.date() in rows:
            rows[slot.start.date()].slots.append(slot)
    return list(rows.values())


def first_day(text: str | None, today: date) -> date:
    """The grid's first day: ``?du=`` when it is a date from today on, else today."""
    try:
        asked = date.fromisoformat(text or "")
    except ValueError:
        return today
    return asked if today <= asked <= today + timedelta(days=730) else today


def previous_days(first: date, today: date) -> str | None:
    """The grid's previous page (not before today), None on today's."""
    if first <= today:
        return None
    return max(today, first - timedelta(days=GRID_DAYS)).isoformat()


def place_grids(services: Services, place_id: str, first: date) -> dict[str, list[Day]] | None:
    """Each resource's grid (by resource id); None when booking cannot answer now."""
    last = first + timedelta(days=GRID_DAYS - 1)
    try:
        answer = services.call(
            "booking", "place_availability", place_id, first.isoformat(), last.isoformat()
        )
    except ServiceUnavailable:
        return None
    except RemoteError as exc:
        if remote_error(exc.exc_args)[0] is None:
            raise
        return None
    return {r["resource_id"]: grid(r, first) for r in answer["resources"]}


def picked(request: Request) -> dict[str, str]:
    """The slot picked in a grid (``?ressource=&date=&debut=&fin=``), if any."""
    values = {name: request.query_params.get(name, "")[:40] for name in PICKED}
    return values if all(values.values()) else {}


def slot_link(place_id: str, resource_id: str, slot: Slot) -> str:
    """The place page with the booking form of this resource filled in with the slot."""
    query = urlencode({"ressource": resource_id, **slot.values})
    return f"/places/{quote(place_id, safe='')}?{query}#reserver-{resource_id}"


# --- the territory's search page -----------------------------------------------------------


def communes(services: Services) -> list[dict[str, Any]]:
    """The communes of the territory's places with a point (their first place's): where
    « near » can start from. Empty when the directory does not answer."""
    try:
        places = services.call("directory", "list_places", None)
    except (ServiceUnavailable, RemoteError):
        return []
    points: dict[str, dict[str, float]] = {}
    for place in places:
        if place.get("location") and place.get("commune"):
            points.setdefault(place["commune"], place["location"])
    return [{"name": n, **points[n]} for n in sorted(points, key=str.casefold)]


@router.get(SEARCH_PATH)
def search_page(request: Request, services: ServicesDep) -> Response:
    """The territory's search: the form, and the places found with their first free slots."""
    from .site import capabilities

    running = capabilities(request)
    params = request.query_params
    kinds = [k.value for k in ResourceKind]
    asked = {
        "kind": params.get("type", "") if params.get("type", "") in kinds else "",
        "day": params.get("jour", "")[:10],
        "seats": params.get("places", "1")[:3],
        "commune": params.get("commune", "")[:120],
        "radius": params.get("rayon", "")[:4],
    }
    places = communes(services) if running.get("directory") else []
    context: dict[str, Any] = {
        "services": running,
        "kinds": kinds,
        "asked": asked,
        "communes": places,
        "radii": RADII,
        "searched": "type" in params,
        "found": None,
        "refusal": None,
    }
    if context["searched"] and running.get("booking"):
        query: dict[str, Any] = {"kind": asked["kind"] or None}
        try:
            day = date.fromisoformat(asked["day"]) if asked["day"] else None
            query["seats"] = max(1, int(asked["seats"] or 1))
        except ValueError:
            context["refusal"] = i18n.gettext(
                i18n.page_language(request), i18n.N_("Indiquez une date et un nombre de places.")
            )
            return render(request, "availability_search.html", context, status=422)
        if day:
            query["start"] = query["end"] = day.isoformat()
        point = next((c for c in places if c["name"] == asked["commune"]), None)
        if point:
            query["lat"], query["lon"] = point["lat"], point["lon"]
            if asked["radius"].isdigit() and int(asked["radius"]) in RADII:
                query["radius_km"] = int(asked["radius"])
        offset = params.get("depuis", "")
        if offset.isdigit() and int(offset) <= 10_000:
            query["offset"] = int(offset)
        try:
            context["found"] = services.call("booking", "search_availability", query)
        except ServiceUnavailable:
            running["booking"] = False
        except RemoteError as exc:
            from ..errors_text import error_text

            code, found_params = remote_error(exc.exc_args)[1:]
            context["refusal"] = error_text(code, found_params, i18n.page_language(request))[1]
    if context["found"] and context["found"].get("next_offset") is not None:
        following = {**dict(params), "depuis": context["found"]["next_offset"]}
        context["next_page"] = f"{SEARCH_PATH}?{urlencode(following)}"
    language = i18n.page_language(request)
    for place in (context["found"] or {}).get("places", []):
        if place.get("distance_km") is not None:
            place["distance"] = format_decimal(place["distance_km"], "#,##0.0", locale=language)
        for unit in place["free"]:
            start = datetime.fromisoformat(unit["start"])
            end = datetime.fromisoformat(unit["end"])
            unit["slot"] = Slot(start, end, unit["seats_left"])
            unit["link"] = slot_link(place["place_id"], unit["resource_id"], unit["slot"])
    return render(request, "availability_search.html", context)
