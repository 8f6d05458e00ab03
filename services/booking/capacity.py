"""Seat holds per quarter hour, enforced by MongoDB itself.

Each hold is a conditional ``$inc`` on the slot's document that only matches while enough
seats remain and the booking does not already hold that slot, so retries are harmless and
two concurrent requests can never both take the last seat.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from .models import SlotLoad


def _collection() -> Collection:
    return SlotLoad._get_collection()


def hold_slot(resource_id: str, slot: datetime, booking_id: str, seats: int, capacity: int) -> bool:
    """Take ``seats`` in one slot for a booking; True when held (now or already)."""
    coll = _collection()
    query = {
        "resource_id": resource_id,
        "slot": slot,
        "taken": {"$lte": capacity - seats},
        "holds.booking_id": {"$ne": booking_id},
    }
    update = {
        "$inc": {"taken": seats},
        "$push": {"holds": {"booking_id": booking_id, "seats": seats}},
    }
    try:
        # Either it matched, or the upsert created the slot document with this hold.
        coll.update_one(query, update, upsert=True)
        return True
    except DuplicateKeyError:
        # The slot exists and did not match: it is full, already held by us, or it was
        # created concurrently a moment ago (then try once more without upsert).
        pass
    if coll.find_one({"resource_id": resource_id, "slot": slot, "holds.booking_id": booking_id}):
        return True
    return coll.update_one(query, update).modified_count == 1


def release_slot(resource_id: str, slot: datetime, booking_id: str) -> None:
    coll = _collection()
    doc = coll.find_one(
        {"resource_id": resource_id, "slot": slot, "holds.booking_id": booking_id},
        {"holds.$": 1},
    )
    if doc is None:
        return
    seats = doc["holds"][0]["seats"]
    coll.update_one(
        {"resource_id": resource_id, "slot": slot, "holds.booking_id": booking_id},
        {"$inc": {"taken": -seats}, "$pull": {"holds": {"booking_id": booking_id}}},
    )


def hold_all(
    resource_id: str, slots: list[datetime], booking_id: str, seats: int, capacity: int
) -> bool:
    """Hold every slot or none: on the first full slot, release what this call took."""
    held: list[datetime] = []
    for slot in slots:
        if not hold_slot(resource_id, slot, booking_id, seats, capacity):
            for taken in held:
                release_slot(resource_id, taken, booking_id)
            return False
        held.append(slot)
    return True


def seats_taken(resource_id: str, slots: list[datetime]) -> int:
    """The highest number of seats taken over the given slots."""
    docs = _collection().find({"resource_id": resource_id, "slot": {"$in": slots}}, {"taken": 1})
    return max((d["taken"] for d in docs), default=0)
