"""Seat holds per quarter hour, enforced by MongoDB itself.

Each slot document's ``_id`` is ``<resource_id>:<slot>``, so uniqueness is the primary key.
A hold is a conditional ``$inc`` that only matches while enough seats remain and the booking
does not already hold that slot: retries are harmless and two concurrent requests can never
both take the last seat. Filters go through ``_id``: SecantusDB scans the whole collection
when an index equality is combined with a range predicate on another field.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from .models import SlotLoad


def _collection() -> Collection:
    return SlotLoad._get_collection()


def slot_id(resource_id: str, slot: datetime) -> str:
    return f"{resource_id}:{slot.strftime('%Y-%m-%dT%H:%M')}"


def hold_slot(resource_id: str, slot: datetime, booking_id: str, seats: int, capacity: int) -> bool:
    """Take ``seats`` in one slot for a booking; True when held (now or already)."""
    if seats > capacity:
        # The upsert below would create a new slot whatever its filter says about room.
        return False
    coll = _collection()
    key = slot_id(resource_id, slot)
    room = {
        "_id": key,
        "taken": {"$lte": capacity - seats},
        "holds.booking_id": {"$ne": booking_id},
    }
    take = {
        "$inc": {"taken": seats},
        "$push": {"holds": {"booking_id": booking_id, "seats": seats}},
    }
    try:
        # A slot seen for the first time is created by this upsert, with our hold in it.
        coll.update_one(
            room, {**take, "$setOnInsert": {"resource_id": resource_id, "slot": slot}}, upsert=True
        )
        return True
    except DuplicateKeyError:
        pass  # the slot exists and did not match: full, already ours, or created just now
    # The slot exists now, so this conditional update's answer is final.
    return coll.update_one(room, take).modified_count == 1 or _holds(key, booking_id)


def _holds(key: str, booking_id: str) -> bool:
    return (
        _collection().find_one({"_id": key, "holds.booking_id": booking_id}, {"_id": 1}) is not None
    )


def release_slot(resource_id: str, slot: datetime, booking_id: str) -> None:
    coll = _collection()
    key = slot_id(resource_id, slot)
    doc = coll.find_one({"_id": key, "holds.booking_id": booking_id}, {"holds": 1})
    if doc is None:
        return
    seats = next(h["seats"] for h in doc["holds"] if h["booking_id"] == booking_id)
    coll.update_one(
        {"_id": key, "holds.booking_id": booking_id},
        {"$inc": {"taken": -seats}, "$pull": {"holds": {"booking_id": booking_id}}},
    )


def hold_all(
    resource_id: str, slots: list[datetime], booking_id: str, seats: int, capacity: int
) -> bool:
    """Hold every slot or none: on the first full slot, release what this call took."""
    held: list[datetime] = []
    for slot in slots:
        if not hold_slot(resource_id, slot, booking_id, seats, capacity):
            release_all(resource_id, held, booking_id)
            return False
        held.append(slot)
    return True


def release_all(resource_id: str, slots: list[datetime], booking_id: str) -> None:
    for slot in slots:
        release_slot(resource_id, slot, booking_id)


def seats_taken(resource_id: str, slots: list[datetime]) -> int:
    """The highest number of seats taken over the given slots."""
    ids = [slot_id(resource_id, slot) for slot in slots]
    docs = _collection().find({"_id": {"$in": ids}}, {"taken": 1})
    return max((d["taken"] for d in docs), default=0)


# ``$in`` lists this long at most per query.
IN_BATCH = 1000


def taken_by_slot(resource_id: str, slots: list[datetime]) -> dict[datetime, int]:
    """Seats taken per slot (UTC start) among ``slots``; slots no one holds are absent."""
    by_id = {slot_id(resource_id, slot): slot for slot in slots}
    ids = list(by_id)
    taken: dict[datetime, int] = {}
    for i in range(0, len(ids), IN_BATCH):
        for doc in _collection().find({"_id": {"$in": ids[i : i + IN_BATCH]}}, {"taken": 1}):
            if doc.get("taken"):
                taken[by_id[doc["_id"]]] = doc["taken"]
    return taken
