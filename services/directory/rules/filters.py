"""Query filters shared by the search of places and of actors: text (folded keywords, no
``$text``), lists of codes, a radius around a point, a map box. Each returns a MongoDB filter
document, or ``{}`` when the criterion is absent; the caller merges them.

A radius or a box is asked of the database as grid cells (``rules.cells``: one indexed
``$in`` on the records' ``cells``), a superset of the answer: the caller keeps the records
for which ``point_matches`` is true (the exact distance and box)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from contracts.errors import ValidationFailed
from services.common.text import words

from . import cells

EARTH_RADIUS_KM = cells.EARTH_RADIUS_KM
MAX_RADIUS_KM = 500.0


def text(q: str | None, field: str = "keywords") -> dict:
    """Every word of the query must be a keyword (whole or a prefix) of the record."""
    found = words(q or "")
    return {field: {"$all": found}} if found else {}


def any_of(field: str, values: Iterable[str] | None) -> dict:
    """The record has at least one of ``values`` in ``field`` (a list or a plain value)."""
    chosen = sorted(set(values or ()))
    return {field: {"$in": chosen}} if chosen else {}


def all_of(field: str, values: Iterable[str] | None) -> dict:
    """The record has every one of ``values`` (equipment: wifi *and* a printer)."""
    chosen = sorted(set(values or ()))
    return {field: {"$all": chosen}} if chosen else {}


def within_radius(lat: float | None, lon: float | None, radius_km: float | None) -> dict:
    """Records whose point lies within ``radius_km`` of (lat, lon); both or neither given."""
    if lat is None and lon is None:
        return {}
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed("lat and lon go together, in degrees", field="location")
    radius = MAX_RADIUS_KM if radius_km is None else radius_km
    if not 0 < radius <= MAX_RADIUS_KM:
        raise ValidationFailed(f"between 0 and {MAX_RADIUS_KM:g} km", field="radius_km")
    return {"cells": {"$in": cells.covering_circle(lat, lon, radius)}}


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """``"min_lon,min_lat,max_lon,max_lat"`` (Leaflet's ``getBounds().toBBoxString()``)."""
    if not bbox:
        return None
    try:
        west, south, east, north = (float(part) for part in bbox.split(","))
    except ValueError:
        raise ValidationFailed("min_lon,min_lat,max_lon,max_lat in degrees", field="bbox") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationFailed("min_lon,min_lat,max_lon,max_lat in degrees", field="bbox")
    return west, south, east, north


def inside_box(bbox: str | None) -> dict:
    box = parse_bbox(bbox)
    if box is None:
        return {}
    return {"cells": {"$in": cells.covering_box(*box)}}


def point_of(doc: dict) -> tuple[float, float]:
    """(lat, lon) of a stored record (GeoJSON point or legacy ``[lon, lat]`` pair)."""
    location = doc.get("location") or {}
    lon, lat = location["coordinates"] if isinstance(location, dict) else location
    return lat, lon


def point_matches(
    point: tuple[float, float],
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float | None = None,
    bbox: str | None = None,
) -> bool:
    """The exact test behind ``within_radius`` and ``inside_box`` (criteria already
    validated by them): (lat, lon) ``point`` within the radius and inside the box."""
    here_lat, here_lon = point
    if lat is not None and lon is not None:
        radius = MAX_RADIUS_KM if radius_km is None else radius_km
        if distance_km(lat, lon, here_lat, here_lon) > radius:
            return False
    box = parse_bbox(bbox)
    if box is not None:
        west, south, east, north = box
        if not (west <= here_lon <= east and south <= here_lat <= north):
            return False
    return True


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), for sorting results by distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def merge(*filters: dict) -> dict:
    """One filter from several; two criteria on the same field (a radius and a box on the
    location) are combined with ``$and``."""
    merged: dict = {}
    extra: list[dict] = []
    for part in filters:
        for field, condition in part.items():
            if field in merged:
                extra.append({field: condition})
            else:
                merged[field] = condition
    return {"$and": [merged, *extra]} if extra else merged
