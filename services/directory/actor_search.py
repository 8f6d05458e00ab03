"""What the directory answers about local actors: one actor, the search, and the work-stay
portal. Every read goes through ``public_view``: no email or phone without ``show_contact``.

A point search (``lat``, ``lon``, ``radius_km``) finds the actors within the radius *and* those
whose service area covers the point (a plumber 30 km away who travels 40 km). The database
cannot compare each actor's own radius, so it searches the larger of the radius and the
widest service area of any listed actor (a bound kept by ``_id``, ``actors.service_bound``), as the
grid cells covering that circle (``rules.cells``), then ``rules.actors.within_reach`` keeps
those really within reach, sorted by distance. The filter is evaluated on the process's copy
of the actors (``snapshot.py``, read by grid cell; ``rules.matching``): one database read per
search, the copy's counter."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from contracts.directory import (
    PORTAL_CATEGORIES,
    ActorSearchIn,
    ActorStatus,
    PlaceKind,
)
from contracts.errors import NotFound
from contracts.identity import ANONYMOUS, Caller
from services.common.text import fold
from services.common.validation import parse

from . import snapshot
from .actors import find_actor, service_bound
from .models import Actor, Place, actor_record
from .rules import filters
from .rules.actors import is_staff, page_of, prefilter_radius, public_view, within_reach

DEFAULT_RADIUS_KM = 50.0
PORTAL_RADIUS_KM = 30.0
PORTAL_PER_SECTION = 6
# What the copy keeps of an actor: its record and what the filters read.
FIELDS = {"outbox": 0, "outbox_pending": 0, "outbox_lease": 0, "idempotency_key": 0}


def get_actor(actor_id: str, who: Caller = ANONYMOUS) -> dict:
    """An actor; a removed one only for territory staff (404 for anyone else)."""
    actor = find_actor(actor_id)
    if actor.status != ActorStatus.listed.value and not is_staff(who):
        raise NotFound(f"no actor {actor_id}", what="actor", id=actor_id)
    return public_view(actor.to_dict(), who)


def widest_service_km() -> float:
    """An upper bound of the actors' service areas: one document read by ``_id``
    (``actors.service_bound``); before any start set it, the widest actor (a sort)."""
    bound = service_bound(Actor._get_db())
    if bound is not None:
        return bound
    widest = Actor.objects.order_by("-service_radius_km").only("service_radius_km").first()
    return (widest.service_radius_km or 0.0) if widest else 0.0


def search_query(criteria: ActorSearchIn) -> dict:
    """The database filter of a search (the point, if any, widened to service areas)."""
    parts = [
        {"status": ActorStatus.listed.value},
        filters.text(criteria.q),
        filters.any_of("categories", [c.value for c in criteria.category]),
        filters.any_of("networks", criteria.network),
        filters.inside_box(criteria.bbox),
    ]
    if criteria.commune:
        parts.append({"commune_key": fold(criteria.commune)})
    if criteria.place:
        parts.append({"place_id": criteria.place})
    if criteria.lat is not None or criteria.lon is not None:
        radius = criteria.radius_km or DEFAULT_RADIUS_KM
        wide = min(prefilter_radius(radius, widest_service_km()), filters.MAX_RADIUS_KM)
        parts.append(filters.within_radius(criteria.lat, criteria.lon, wide))
    return filters.merge(*parts)


def search_actors(criteria: dict | None, who: Caller = ANONYMOUS) -> dict[str, Any]:
    """``GET /api/actors``: a page of listed actors, by name, or nearest first when a point
    is given (with each one's ``distance_km``)."""
    search = parse(ActorSearchIn, criteria or {})
    query = search_query(search)
    found = snapshot.find(Actor._get_collection(), FIELDS, query, ("categories",))
    if search.lat is None:
        # The box's grid cells are a superset: the exact box is kept here, by name.
        if search.bbox:
            found = [
                d for d in found if filters.point_matches(filters.point_of(d), bbox=search.bbox)
            ]
        found.sort(key=lambda d: d.get("name") or "")
        page = [actor_record(d) for d in page_of(found, search.page, search.per_page)]
        total = len(found)
    else:
        radius = search.radius_km or DEFAULT_RADIUS_KM
        near = nearest(found, search.lat, search.lon, radius, search.bbox)
        total = len(near)
        page = [
            {**actor_record(doc), "distance_km": distance}
            for distance, doc in page_of(near, search.page, search.per_page)
        ]
    items = [public_view(a, who) for a in page]
    return {"items": items, "total": total, "page": search.page, "per_page": search.per_page}


def nearest(
    docs, lat: float, lon: float, radius_km: float, bbox: str | None = None
) -> list[tuple[float, dict[str, Any]]]:
    """The actors (stored documents) within reach of (lat, lon) (and inside ``bbox``, if
    any), nearest first (then by name), each with its distance in km (rounded to 10 m)."""
    found = []
    for doc in docs:
        a_lat, a_lon = filters.point_of(doc)
        if bbox and not filters.point_matches((a_lat, a_lon), bbox=bbox):
            continue
        distance = filters.distance_km(lat, lon, a_lat, a_lon)
        if within_reach(distance, radius_km, doc.get("service_radius_km")):
            found.append((round(distance, 2), doc))
    return sorted(found, key=lambda pair: (pair[0], (pair[1].get("name") or "").lower()))


def _centre(place_id: str | None) -> tuple[dict | None, tuple[float, float] | None]:
    if not place_id:
        return None, None
    raw = Place._get_collection().find_one({"_id": _object_id(place_id)})
    if raw is None:
        raise NotFound(f"no place {place_id}", what="place", id=place_id)
    lon, lat = raw["location"]["coordinates"]
    place = {
        "id": str(raw["_id"]),
        "name": raw["name"],
        "commune": raw["commune"],
        "location": {"lat": lat, "lon": lon},
    }
    return place, (lat, lon)


def _object_id(value: str) -> ObjectId:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound(f"no place {value}", what="place", id=value) from None


def portal(place_id: str | None = None, who: Caller = ANONYMOUS) -> dict[str, Any]:
    """The work-stay portal: for each of ``PORTAL_CATEGORIES``, the nearest actors around
    the place (within ``PORTAL_RADIUS_KM`` or their service area), or the territory's by
    name; and the places offering coworking, nearest first."""
    place, point = _centre(place_id)
    sections = []
    for category in PORTAL_CATEGORIES:
        criteria: dict[str, Any] = {"category": [category.value], "per_page": PORTAL_PER_SECTION}
        if point:
            criteria.update(lat=point[0], lon=point[1], radius_km=PORTAL_RADIUS_KM)
        found = search_actors(criteria, who)["items"]
        sections.append({"category": category.value, "actors": found})
    return {
        "place": place,
        "radius_km": PORTAL_RADIUS_KM,
        "sections": sections,
        "coworking": coworking_places(point, exclude=place_id),
    }


def coworking_places(point: tuple[float, float] | None, exclude: str | None) -> list[dict]:
    """Open places whose kinds include coworking (read raw: the place record is dir-places'),
    nearest first within the portal's radius, or by name."""
    query: dict[str, Any] = {"kinds": PlaceKind.coworking.value, "status": "open"}
    if point:
        query.update(filters.within_radius(point[0], point[1], PORTAL_RADIUS_KM))
    found = []
    for raw in Place._get_collection().find(query).limit(200):
        if str(raw["_id"]) == exclude:
            continue
        lon, lat = raw["location"]["coordinates"]
        if point and not filters.point_matches((lat, lon), *point, PORTAL_RADIUS_KM):
            continue  # in a covering grid cell, beyond the radius
        entry = {
            "id": str(raw["_id"]),
            "name": raw["name"],
            "commune": raw["commune"],
            "location": {"lat": lat, "lon": lon},
            "distance_km": None,
        }
        if point:
            entry["distance_km"] = round(filters.distance_km(point[0], point[1], lat, lon), 2)
        found.append(entry)
    found.sort(key=lambda p: (p["distance_km"] or 0.0, p["name"].lower()))
    return found[:PORTAL_PER_SECTION]
