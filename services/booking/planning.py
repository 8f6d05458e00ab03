"""The planning of a place for its desk: the bookings holding seats on each of its resources
over a day or a week, with the person. Read through the seat holds (the capacity day
documents by ``_id $in``, then the bookings by ``_id $in``): no range query on bookings,
which SecantusDB would answer by scanning the collection."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from contracts.identity import Caller
from services.common.identity import require

from . import access, capacity, restore
from .models import Booking, Resource
from .rules import desk as desk_rules
from .rules import slots, states

IN_BATCH = 1000
# Requests in flight are not yet anyone's to handle.
SHOWN = states.HOLDS_SEATS - states.SWEPT


def planning(place_id: str, day: str | None, days: int, who: Caller, now=None) -> dict:
    require(access.runs_place(who, place_id), who, "read the planning", "place", place_id)
    resources = list(Resource.objects(place_id=place_id).order_by("created_at"))
    timezone = resources[0].rules().timezone if resources else "Europe/Paris"
    start, end = desk_rules.planning_window(day, days, timezone, now or datetime.now(UTC))
    names = {str(r.id): r.name for r in resources}
    shown = [
        {**booking.to_dict(), "resource_name": names[booking.resource_id]}
        for booking in _holding(list(names), start, end)
        if booking.status in SHOWN
    ]
    shown.sort(key=lambda b: (b["start"], b["resource_name"], b["id"]))
    return {
        "place_id": place_id,
        "timezone": timezone,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": days,
        "resources": [r.to_dict() for r in resources],
        "bookings": shown,
        "cancelled": restore.restorable(place_id, names, start, end, timezone, now),
    }


def _holding(resource_ids: list[str], start: datetime, end: datetime) -> list[Booking]:
    """The bookings holding seats in a slot of [start, end) on these resources."""
    ids = capacity.holders(resource_ids, slots(start, end))
    found = [ObjectId(i) for i in sorted(ids)]
    return [
        booking
        for i in range(0, len(found), IN_BATCH)
        for booking in Booking.objects(id__in=found[i : i + IN_BATCH])
    ]
