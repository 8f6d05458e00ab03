"""What the capacity documents hold, read straight from the database for the tests."""

from __future__ import annotations

from datetime import date, datetime

from services.booking import capacity
from services.booking.models import CapacityDay


def quarter_loads(resource_id: str) -> dict[datetime, int]:
    """Every quarter-hour counter written for a resource (zeros after a release included),
    by UTC slot start, in order."""
    loads = {}
    for doc in CapacityDay._get_collection().find({"resource_id": resource_id}):
        day = date.fromisoformat(doc["day"])
        for quarter, seats in (doc.get("q") or {}).items():
            loads[capacity.slot_at(day, int(quarter))] = seats
    return dict(sorted(loads.items()))


def taken_list(resource_id: str) -> list[int]:
    return list(quarter_loads(resource_id).values())


def held_by_booking(resource_id: str) -> dict[str, int]:
    """Seat-quarters held per booking over a resource's day documents."""
    held: dict[str, int] = {}
    for doc in CapacityDay._get_collection().find({"resource_id": resource_id}):
        for hold in doc.get("holds") or []:
            quarters = hold["seats"] * (hold["to"] - hold["from"])
            held[hold["booking_id"]] = held.get(hold["booking_id"], 0) + quarters
    return held
