"""Query filters shared by the search of places and of actors: text (folded keywords, no
``$text``), lists of codes, a radius around a point, a map box. Each returns a MongoDB filter
document, or ``{}`` when the criterion is absent; the caller merges them."""

from __future__ import annotations

import math
from collections.abc import Iterable

from contracts.errors import ValidationFailed
from services.common.text import words

EARTH_RADIUS_KM = 6371.0088
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
    sphere = [[lon, lat], radius / EARTH_RADIUS_KM]
    return {"location": {"$geoWithin": {"$centerSphere": sphere}}}


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
    west, south, east, north = box
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"location": {"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": [ring]}}}}


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
