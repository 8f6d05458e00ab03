"""The places' search (``GET /api/places``): the database answers every criterion it can
(``rules.places.search_query``: keywords, kinds, equipment, status, commune, network, and the
grid cells covering the radius or the box, all on indexes); the exact distance and box
(``filters.point_matches``) and the opening hours, which no query can evaluate, are then
checked on those candidates, and the matches are ordered by distance when a point
is given. The open-data export (CSV, GeoJSON) calls ``matching_places`` with the same filters.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from contracts.directory import PlaceSearch
from services.common.clock import utc_now
from services.common.validation import parse

from .models import Place, place_dict
from .rules import filters
from .rules import places as rules
from .rules.places import search_query

__all__ = ["matching_places", "search_places", "search_query"]

# What a result needs of a document (not its keywords, outbox or keys).
FIELDS = {
    "keywords": 0,
    "outbox": 0,
    "outbox_pending": 0,
    "update_keys": 0,
    "update_prints": 0,
    "status_history": 0,
    "fingerprint": 0,
    "idempotency_key": 0,
    "cells": 0,
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


def matching_places(search: PlaceSearch, now: datetime | None = None) -> Iterator[dict]:
    """Every place matching ``search`` (all pages), in the search's order."""
    now = now or utc_now()
    query, sort = search_query(search)
    found = Place._get_collection().find(query, FIELDS).sort(sort)
    hits = (
        _hit(doc, search, now)
        for doc in found
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
        # The database pages itself: only one page of documents is read.
        query, sort = search_query(search)
        collection = Place._get_collection()
        total = collection.count_documents(query)
        found = collection.find(query, FIELDS).sort(sort).skip(first).limit(search.page_size)
        items = [_hit(doc, search, now) for doc in found]
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
