"""The territory's availability search as pure functions: distances, which places are
candidates and in which order, the local days a window is scanned by, and a page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)

Point = tuple[float, float]  # (lat, lon) in degrees


def distance_km(a: Point, b: Point) -> float:
    """The great-circle distance (haversine), in km: a few metres off over a territory,
    which is all a "within 20 km" needs."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Candidate:
    """A place with at least one resource of the kind asked: what the search may show."""

    place_id: str
    name: str | None
    commune: str | None
    point: Point | None
    distance_km: float | None = None


def candidates_in_order(
    places: list[Candidate], point: Point | None, radius_km: float | None
) -> list[Candidate]:
    """With a point: each place's distance (one decimal), those beyond ``radius_km`` left
    out, nearest first; places without a point after them by name, and left out when a
    radius is given (no one can say they are within it). Without a point: by name."""

    def by_name(place: Candidate) -> tuple[str, str]:
        return ((place.name or "").casefold(), place.place_id)

    if point is None:
        return sorted(places, key=by_name)
    located, unlocated = [], []
    for place in places:
        if place.point is None:
            unlocated.append(place)
            continue
        km = round(distance_km(point, place.point), 1)
        if radius_km is None or km <= radius_km:
            located.append(Candidate(place.place_id, place.name, place.commune, place.point, km))
    located.sort(key=lambda p: (p.distance_km, *by_name(p)))
    return located + ([] if radius_km is not None else sorted(unlocated, key=by_name))


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at local midnights: the search scans a window a day at a time and
    stops at the first day with a free unit."""
    days = []
    lo = start
    day: date = start.astimezone(tz).date()
    while lo < end:
        day += timedelta(days=1)
        hi = min(end, datetime.combine(day, time(), tzinfo=tz))
        if hi > lo:
            days.append((lo, hi))
        lo = hi
    return days
