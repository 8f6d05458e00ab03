"""Earlier versions' quarter-hour loads (``slot_loads``) moved into day documents
(``capacity_days``), before the service answers anything.

Run at every start by ``StartupUpgrades.setup`` (services/common/upgrades.py; nameko sets every
dependency up before any entrypoint starts, so no request sees a half-moved load); nothing to do
once ``slot_loads`` is empty. Idempotent and safe with several instances starting at once: each
booking's part of a day is added by one conditional update that matches only while that day does
not hold the booking yet, and a resource's old documents are deleted only after all its days are
written."""

from __future__ import annotations

from datetime import UTC, date

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from . import capacity
from .models import CapacityDay, SlotLoad

OLD = SlotLoad._meta["collection"]
NEW = CapacityDay._meta["collection"]


def _groups(docs: list[dict]) -> dict[tuple[date, str], dict]:
    """Per (UTC day, booking): its seats and the quarters it holds that day."""
    groups: dict[tuple[date, str], dict] = {}
    for doc in docs:
        slot = doc["slot"] if doc["slot"].tzinfo else doc["slot"].replace(tzinfo=UTC)
        day, quarter = capacity.quarter_of(slot)
        for hold in doc.get("holds") or ():
            group = groups.setdefault(
                (day, hold["booking_id"]), {"seats": hold["seats"], "q": set()}
            )
            group["q"].add(quarter)
    return groups


def migrate_slot_loads(db: Database) -> int:
    """Move every ``slot_loads`` document into ``capacity_days``; returns how many."""
    old, new = db[OLD], db[NEW]
    moved = 0
    for resource_id in old.distinct("resource_id"):
        docs = list(old.find({"resource_id": resource_id}))  # one indexed equality
        for (day, booking_id), group in sorted(_groups(docs).items()):
            first, last = min(group["q"]), max(group["q"]) + 1  # a booking's slots are contiguous
            hold = {"booking_id": booking_id, "seats": group["seats"], "from": first, "to": last}
            missing = {
                "_id": capacity.day_id(resource_id, day),
                "holds.booking_id": {"$ne": booking_id},
            }
            add = {
                "$inc": {f"q.{q}": group["seats"] for q in range(first, last)},
                "$push": {"holds": hold},
            }
            on_insert = {"$setOnInsert": {"resource_id": resource_id, "day": day.isoformat()}}
            try:
                new.update_one(missing, {**add, **on_insert}, upsert=True)
            except DuplicateKeyError:  # the day exists: add unless it already holds the booking
                new.update_one(missing, add)
        old.delete_many({"_id": {"$in": [doc["_id"] for doc in docs]}})
        moved += len(docs)
    return moved
