"""What booking keeps of other services' events: the directory's places (``place_*``), so
that no request has to call the directory."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from .models import KnownPlace

# A place's name as this process last read it, and when (``time.monotonic``). A name only
# labels a booking's event and email; the upkeep in this process forgets it at once, another
# replica's within ``NAME_TTL_SECONDS`` (a renamed place's old name for a minute at most).
# Nothing that decides anything reads it. Saves a booking one round trip.
NAME_TTL_SECONDS = 60.0
_names: dict[str, tuple[str, float]] = {}


def remember_place(data: dict) -> None:
    """Upkeep from ``place_created``: reads only fields that event declares (contract-tested);
    its point is kept for the distances of the availability search."""
    location = data.get("location") or {}
    KnownPlace.objects(place_id=data["place_id"]).update_one(
        upsert=True,
        set__name=data["name"],
        set__commune=data.get("commune"),
        set__lat=location.get("lat"),
        set__lon=location.get("lon"),
        set__updated_at=datetime.now(UTC),
    )
    _names.pop(data["place_id"], None)


def knows_place(place_id: str) -> bool:
    return KnownPlace.objects(place_id=place_id).only("place_id").first() is not None


def place_name(place_id: str) -> str | None:
    cached = _names.get(place_id)
    if cached is not None and time.monotonic() - cached[1] < NAME_TTL_SECONDS:
        return cached[0]
    place = KnownPlace.objects(place_id=place_id).only("name").first()
    if place is None:
        return None  # not known yet: asked again next time
    _names[place_id] = (place.name, time.monotonic())
    return place.name


def place_names(place_ids: set[str]) -> dict[str, str | None]:
    """Several places' names in one read (``_id $in``), every id a key (None: not known)."""
    names: dict[str, str | None] = dict.fromkeys(place_ids)
    for place in KnownPlace.objects(place_id__in=sorted(place_ids)).only("name"):
        names[place.place_id] = place.name
    return names
