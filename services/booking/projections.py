"""What booking keeps of other services' events: the directory's places (``place_*``), so
that no request has to call the directory."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from mongoengine.errors import NotUniqueError

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
    version = data.get("version") or 0
    _keep(data, version)
    if data.get("status"):  # always in an event (tests and older callers may leave it out)
        _set_if_newer(data["place_id"], "status_version", version, set__status=data["status"])


def follow_place_update(data: dict) -> None:
    """Upkeep from ``place_updated`` (a renamed place, a moved point, new hours): the event
    always carries the kept fields' current values and the place's ``version``, so a late
    event never undoes a newer one."""
    _keep(data, data["version"])


def follow_place_status(data: dict) -> None:
    """Upkeep from ``place_status_changed`` (a project opens, a place closes). Its version
    is kept apart: the events come through other queues than ``place_updated``'s, and a
    status heard first must not make an earlier rename look late."""
    _set_if_newer(data["place_id"], "status_version", data["version"], set__status=data["status"])


def _keep(data: dict, version: int) -> None:
    location = data.get("location") or {}
    _set_if_newer(
        data["place_id"],
        "version",
        version,
        set__name=data["name"],
        set__commune=data.get("commune"),
        set__lat=location.get("lat"),
        set__lon=location.get("lon"),
        set__opening_hours=data.get("opening_hours"),
    )


def _set_if_newer(place_id: str, counter: str, version: int, **fields: Any) -> None:
    """One conditional upsert: only when what is kept is not newer than ``version`` (by the
    ``counter`` field; an equal one is the same write again). A newer one already kept: the
    insert the upsert tries collides with it, and nothing changes."""
    try:
        KnownPlace.objects(place_id=place_id, **{f"{counter}__not__gt": version}).update_one(
            upsert=True,
            updated_at=datetime.now(UTC),
            **{f"set__{counter}": version},
            **fields,
        )
    except NotUniqueError:
        return
    _names.pop(place_id, None)


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
