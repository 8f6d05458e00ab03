"""A place's meeting room lent to its clubs' meetings and to workshops, through events.

Clubs publishes ``meeting_scheduled`` / ``meeting_moved`` / ``meeting_cancelled`` and
``workshop_scheduled`` / ``workshop_cancelled`` (contracts/clubs.py); booking holds the host
place's meeting room (its first resource of kind ``meeting_room``) as a hold with no person
(``room_holds``, the normal capacity rule: a clash is refused), free of charge within the
room's ``club_hours_per_month`` for each club (a place's own workshop counts against no
allowance), and answers ``room_reserved`` / ``room_refused`` (``reason``) /
``room_released`` (contracts/booking.py) with the request's ``sequence``.

Idempotent and order-proof: the inbox skips an event handled already; a ``RoomRequest`` per
item keeps the latest ``sequence`` taken, so an older request arriving late changes nothing,
and a cancellation is final. The hold is keyed by the item and its times (a retry holds
once); the free hours by the hold (``ClubMonth``: one conditional ``$inc`` per month).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mongoengine.errors import NotUniqueError
from pymongo.errors import DuplicateKeyError

from contracts.booking import ResourceKind
from services.common.outbox import EventStager

from . import room_holds, waitlist
from .models import Booking, ClubMonth, Resource, RoomRequest
from .rules import states

log = logging.getLogger(__name__)

ID_FIELD = {"meeting": "occurrence_id", "workshop": "workshop_id"}


class Item:
    """What asks for the room, read from a clubs event."""

    def __init__(self, event: dict[str, Any]):
        data = event["data"]
        self.for_type = "meeting" if event["type"].startswith("meeting_") else "workshop"
        self.for_id = str(data[ID_FIELD[self.for_type]])
        self.key = f"{self.for_type}:{self.for_id}"
        self.club_id = data.get("club_id")
        self.place_id = data.get("place_id")
        self.title = data.get("title") or self.for_type
        self.start = datetime.fromisoformat(data["start"]).astimezone(UTC)
        self.end = datetime.fromisoformat(data["end"]).astimezone(UTC)
        self.sequence = int(data.get("sequence") or 0)
        self.wanted = data.get("room", True)

    def answer(self, **fields: Any) -> dict[str, Any]:
        return {
            "for_type": self.for_type,
            "for_id": self.for_id,
            "club_id": self.club_id,
            "place_id": self.place_id or "",
            "sequence": self.sequence,
            **fields,
        }


# -- the handlers' work ---------------------------------------------------------------------
def schedule(event: dict[str, Any], events: EventStager) -> str | None:
    """An item scheduled or moved: hold the room for its times (giving back a hold for
    other times), and answer. Returns the answer's type (None: nothing to do)."""
    item = Item(event)
    if not _take_request(item):
        return None  # a later request, or a cancellation, was taken already
    kept = None  # the room held for these very times already (a move back, a retry)
    for hold in Booking.objects(club_for=item.key, status__in=[states.CONFIRMED, *states.SWEPT]):
        same = (hold.start.replace(tzinfo=UTC), hold.end.replace(tzinfo=UTC)) == (
            item.start,
            item.end,
        )
        if same and item.wanted and kept is None and hold.status == states.CONFIRMED:
            kept = hold
        else:
            _release(hold, events)
    if not item.wanted or not item.place_id:
        return None
    room = meeting_room(item.place_id)
    if room is None:
        refusal = _refusal(item, "no_meeting_room")
        return _answer(item, "refused", events.event("room_refused", refusal), events)
    zone = room.rules().timezone
    key = f"club-room:{item.key}:{item.sequence}:{item.start.isoformat()}"
    hold = kept or room_holds.claim(
        room, item.start, item.end, key, item.title, zone, club_for=item.key
    )
    if item.club_id and hold.status in states.SWEPT:
        limit = room.rules().club_hours_per_month
        if not _take_hours(room, item, str(hold.id), zone, limit):
            room_holds.release(hold)
            used = _hours_used(room, item, zone)
            refusal = _refusal(item, "allowance_exceeded", room)
            refusal.update(hours_per_month=limit, hours_used=used)
            return _answer(item, "refused", events.event("room_refused", refusal), events)
    if not room_holds.take(hold, room):
        _give_back_hours(room, item, str(hold.id), zone)
        refusal = _refusal(item, "room_taken", room)
        return _answer(item, "refused", events.event("room_refused", refusal), events)
    shown = {
        k: v.astimezone(ZoneInfo(zone)).isoformat()
        for k, v in (("start", item.start), ("end", item.end))
    }
    reserved = item.answer(
        booking_id=str(hold.id), resource_id=str(room.id), resource_name=room.name, **shown
    )
    if _answer(item, "reserved", events.event("room_reserved", reserved), events) is None:
        # Replaced meanwhile: not ours to keep.
        _release(Booking.objects(id=hold.id).first(), events)
        return None
    return "room_reserved"


def cancel(event: dict[str, Any], events: EventStager) -> str | None:
    """An item cancelled: its room's hold is released, for good (a late request for it is
    ignored)."""
    item = Item(event)
    request = RoomRequest.objects(id=item.key).first()
    released = None
    if request is not None and request.state == "reserved" and request.booking_id:
        released = events.event("room_released", item.answer(booking_id=request.booking_id))
    try:
        RoomRequest(
            id=item.key,
            for_type=item.for_type,
            for_id=item.for_id,
            sequence=item.sequence,
            cancelled=True,
            state="released",
            club_id=item.club_id,
            place_id=item.place_id,
        ).save(force_insert=True)
    except NotUniqueError:
        changes: dict[str, Any] = {
            "set__cancelled": True,
            "set__sequence": item.sequence,
            "set__state": "released",
        }
        if released is not None:
            changes.update(RoomRequest.staging(released))
        RoomRequest.objects(id=item.key, sequence__lte=item.sequence, cancelled=False).update_one(
            **changes
        )
    for hold in Booking.objects(club_for=item.key, status__in=[states.CONFIRMED, *states.SWEPT]):
        _release(hold, events)
    events.flush(RoomRequest)
    return "room_released" if released else None


def meeting_room(place_id: str) -> Resource | None:
    """The place's meeting room: its first resource of kind ``meeting_room``."""
    rooms = Resource.objects(place_id=place_id, kind=ResourceKind.meeting_room.value)
    found = sorted((r for r in rooms if not r.permanence_id), key=lambda r: r.created_at)
    return found[0] if found else None


# -- the request, the answer ----------------------------------------------------------------
def _take_request(item: Item) -> bool:
    """Record the request as the item's latest: inserted, or a conditional update on an
    older (or the same: a retry) ``sequence`` of an item not cancelled."""
    fields = {
        "club_id": item.club_id,
        "place_id": item.place_id,
        "title": item.title,
        "start": item.start,
        "end": item.end,
        "sequence": item.sequence,
    }
    try:
        RoomRequest(id=item.key, for_type=item.for_type, for_id=item.for_id, **fields).save(
            force_insert=True
        )
        return True
    except NotUniqueError:
        pass
    taken = RoomRequest.objects(
        id=item.key, sequence__lte=item.sequence, cancelled=False
    ).update_one(**{f"set__{k}": v for k, v in fields.items()}, set__state="asked")
    return taken == 1


def _answer(item: Item, state: str, event: dict[str, Any], events: EventStager) -> str | None:
    """Store the answer with its event, if the request is still the item's latest."""
    data = event["data"]
    changed = RoomRequest.objects(id=item.key, sequence=item.sequence, cancelled=False).update_one(
        set__state=state,
        set__booking_id=data.get("booking_id"),
        set__reason=data.get("reason"),
        **RoomRequest.staging(event),
    )
    if not changed:
        return None
    events.flush(RoomRequest)
    return event["type"]


def _refusal(item: Item, reason: str, room: Resource | None = None) -> dict[str, Any]:
    return item.answer(
        reason=reason,
        resource_id=str(room.id) if room else None,
        start=item.start.isoformat(),
        end=item.end.isoformat(),
    )


def _release(hold: Booking, events: EventStager) -> None:
    """Give the room and the club's hours of a hold back; whoever waits for the room then is
    offered it (the waitlist)."""
    if room_holds.release(hold):
        waitlist.released_booking(hold, events)
    months = ClubMonth._get_collection().find(
        {"resource_id": hold.resource_id, "holds.booking_id": str(hold.id)}, {"_id": 1}
    )
    for month in months:
        _pull_hold(month["_id"], str(hold.id))


# -- the club's free hours of the month -----------------------------------------------------
def _month_id(room: Resource, item: Item, zone: str) -> str:
    month = item.start.astimezone(ZoneInfo(zone)).strftime("%Y-%m")
    return f"{room.id}:{item.club_id}:{month}"


def _minutes(item: Item) -> int:
    return int((item.end - item.start).total_seconds() // 60)


def _take_hours(room: Resource, item: Item, booking_id: str, zone: str, limit_hours: int) -> bool:
    """Count the hold's minutes against the club's month, in one conditional update (or the
    upsert of the month's first); True when within the allowance (or counted already)."""
    minutes = _minutes(item)
    if minutes > limit_hours * 60:
        return False
    coll = ClubMonth._get_collection()
    key = _month_id(room, item, zone)
    room_left = {
        "_id": key,
        "holds.booking_id": {"$ne": booking_id},
        "minutes": {"$not": {"$gt": limit_hours * 60 - minutes}},
    }
    take = {
        "$inc": {"minutes": minutes},
        "$push": {"holds": {"booking_id": booking_id, "minutes": minutes}},
    }
    try:
        coll.update_one(
            room_left, {**take, "$setOnInsert": {"resource_id": str(room.id)}}, upsert=True
        )
        return True
    except DuplicateKeyError:
        pass  # the month exists and did not match: used up, or counted already
    if coll.update_one(room_left, take).modified_count == 1:
        return True
    return coll.find_one({"_id": key, "holds.booking_id": booking_id}, {"_id": 1}) is not None


def _give_back_hours(room: Resource, item: Item, booking_id: str, zone: str) -> None:
    _pull_hold(_month_id(room, item, zone), booking_id)


def _pull_hold(month_id: str, booking_id: str) -> None:
    coll = ClubMonth._get_collection()
    doc = coll.find_one({"_id": month_id, "holds.booking_id": booking_id}, {"holds": 1})
    if doc is None:
        return
    minutes = next(h["minutes"] for h in doc["holds"] if h["booking_id"] == booking_id)
    coll.update_one(
        {"_id": month_id, "holds.booking_id": booking_id},  # matches once
        {"$inc": {"minutes": -minutes}, "$pull": {"holds": {"booking_id": booking_id}}},
    )


def _hours_used(room: Resource, item: Item, zone: str) -> float:
    doc = ClubMonth._get_collection().find_one({"_id": _month_id(room, item, zone)}, {"minutes": 1})
    return round((doc or {}).get("minutes", 0) / 60, 2)
