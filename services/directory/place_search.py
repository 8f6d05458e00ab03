"""The places' search (``GET /api/places``): every criterion a query can express
(``rules.places.search_query``: keywords, kinds, equipment, status, commune, network, and the
grid cells covering the radius or the box) is evaluated on the process's copy of the places
(``snapshot.py``, read by grid cell; ``rules.matching``), then the exact distance and box
(``filters.point_matches``) and the opening hours; the matches are ordered by name, or by
distance when a point is given. One database read per search: the copy's counter.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from contracts.directory import PlaceSearch
from services.common.clock import utc_now
from services.common.validation import parse

from . import snapshot
from .models import Place, place_dict
from .rules import filters, matching
from .rules import places as rules
from .rules.places import search_query

__all__ = ["matching_places", "search_places", "search_query"]

# What the copy keeps of a place: what a result shows and what the filters read (not its
# outbox, keys or history).
FIELDS = {
    "outbox": 0,
    "outbox_pending": 0,
    "outbox_lease": 0,
    "update_keys": 0,
    "update_prints": 0,
    "status_history": 0,
    "fingerprint": 0,
    "idempotency_key": 0,
}


def _hit(doc: dict[str, Any], search: PlaceSearch, now: datetime) -> dict[str, Any]:
    place = place_dict(doc)
    place["open_now"] = rules.open_at(place["opening_hours"], now)
    if search.lat is not None and search.lon is not None:
        here = place["location"]
        distance = filters.distance_km(search.lat, search.lon, here["lat"], here["lon"])
        place["distance_km"] = round(distance, 2)
    else:
        place["distance_km"] = None
    return place


def _located(doc: dict[str, Any], search: PlaceSearch) -> bool:
    """The exact radius and box: the database answered with their grid cells, a superset."""
    point = filters.point_of(doc)
    return filters.point_matches(point, search.lat, search.lon, search.radius_km, search.bbox)


def candidates(search: PlaceSearch) -> list[dict[str, Any]]:
    """The places matching every criterion but the exact point and the hours, by name."""
    query, sort = search_query(search)
    found = snapshot.find(Place._get_collection(), FIELDS, query, ("kinds",))
    return sorted(found, key=matching.sort_key(sort))


def matching_places(search: PlaceSearch, now: datetime | None = None) -> Iterator[dict]:
    """Every place matching ``search`` (all pages), in the search's order."""
    now = now or utc_now()
    hits = (
        _hit(doc, search, now)
        for doc in candidates(search)
        if _located(doc, search)
        and (
            not rules.wants_hours(search)
            or rules.hours_match(doc.get("opening_hours"), search, now)
        )
    )
    if search.lat is None:
        yield from hits
    else:
        yield from sorted(hits, key=lambda hit: hit["distance_km"])


def search_places(criteria: dict, now: datetime | None = None) -> dict:
    """One page of the places matching ``criteria`` (``PlaceSearch``), with the total."""
    search = parse(PlaceSearch, criteria)
    now = now or utc_now()
    first = (search.page - 1) * search.page_size
    if search.lat is None and not search.bbox and not rules.wants_hours(search):
        every = candidates(search)  # no exact test left: only the page becomes results
        page = every[first : first + search.page_size]
        total, items = len(every), [_hit(d, search, now) for d in page]
    else:
        every = list(matching_places(search, now))
        total, items = len(every), every[first : first + search.page_size]
    return {
        "items": items,
        "total": total,
        "page": search.page,
        "page_size": search.page_size,
        "pages": max(1, math.ceil(total / search.page_size)),
    }
