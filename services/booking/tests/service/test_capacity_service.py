"""The capacity rule on a real database (SecantusDB), under concurrency.

mongomock runs one update at a time; here many threads race on the same day documents
through real connections, which is where a read-then-write rule would overbook.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import eventlet
import pytest

from services.booking import capacity
from services.booking.capacity_migration import migrate_slot_loads
from services.booking.models import ALIAS, CapacityDay, SlotLoad
from services.booking.rules import slots
from services.booking.tests.loads import quarter_loads
from services.common.db import connect, disconnect

NINE = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SLOTS = [NINE + timedelta(minutes=15 * n) for n in range(8)]


@pytest.fixture(autouse=True)
def database(mongo_uri, territory):
    yield connect(ALIAS, mongo_uri, f"{territory}_booking")
    disconnect(ALIAS)


def taken(wanted: list[datetime], resource: str = "r1") -> list[int]:
    found = capacity.taken_by_slot(resource, wanted)
    return [found.get(s, 0) for s in wanted]


def held_by(resource: str = "r1") -> dict[str, int]:
    """Seats per booking as the day documents' holds say, summed over quarters."""
    seats: dict[str, int] = {}
    for doc in CapacityDay._get_collection().find({"resource_id": resource}):
        for hold in doc["holds"]:
            quarters = hold["to"] - hold["from"]
            seats[hold["booking_id"]] = seats.get(hold["booking_id"], 0) + hold["seats"] * quarters
    return seats


def test_concurrent_first_holds_of_a_new_day_never_overbook():
    # Every request finds the day missing: the upsert races are settled by the _id.
    def attempt(n: int) -> bool:
        return capacity.hold_all("r1", SLOTS[:4], f"b{n}", 2, 5)

    outcomes = list(eventlet.GreenPool(16).imap(attempt, range(16)))
    assert outcomes.count(True) == 2
    assert taken(SLOTS[:4]) == [4, 4, 4, 4]
    [doc] = CapacityDay._get_collection().find({"_id": capacity.day_id("r1", NINE.date())})
    assert sorted(h["booking_id"] for h in doc["holds"]) == sorted(
        f"b{n}" for n, ok in enumerate(outcomes) if ok
    )


def test_concurrent_retries_of_one_booking_hold_its_seats_once():
    outcomes = list(
        eventlet.GreenPool(10).imap(lambda _: capacity.hold_all("r1", SLOTS, "b1", 2, 3), range(10))
    )
    assert all(outcomes)
    assert set(taken(SLOTS)) == {2}
    assert held_by() == {"b1": 2 * len(SLOTS)}


def test_overlapping_multi_day_bookings_race_for_the_last_seat():
    # Each wants three days, shifted by one: whatever the interleaving, no quarter ends above
    # capacity and every loser gives back the days it took first.
    start = datetime(2030, 1, 7, 22, 0, tzinfo=UTC)
    windows = [slots(start + timedelta(days=n), start + timedelta(days=n + 2)) for n in range(5)]

    def attempt(n: int) -> bool:
        return capacity.hold_all("r1", windows[n], f"b{n}", 1, 1)

    outcomes = list(eventlet.GreenPool(5).imap(attempt, range(5)))
    assert 1 <= outcomes.count(True) <= 3  # b0, b2, b4 at best; none may overbook
    loads = quarter_loads("r1")
    assert max(loads.values()) == 1
    winners = {f"b{n}": len(windows[n]) for n, ok in enumerate(outcomes) if ok}
    assert sum(loads.values()) == sum(winners.values())  # nothing held by a loser
    assert held_by() == winners


def test_release_under_concurrency_gives_back_each_seat_once():
    for n in range(6):
        assert capacity.hold_all("r1", SLOTS[:4], f"b{n}", 1, 6)
    list(
        eventlet.GreenPool(12).imap(
            lambda n: capacity.release_all("r1", SLOTS[:4], f"b{n % 6}"), range(12)
        )
    )
    assert taken(SLOTS[:4]) == [0, 0, 0, 0]
    assert held_by() == {}


def old_load(resource: str, slot: datetime, holds: dict[str, int]) -> None:
    """A ``slot_loads`` document as earlier versions wrote it."""
    SlotLoad._get_collection().insert_one(
        {
            "_id": f"{resource}:{slot.strftime('%Y-%m-%dT%H:%M')}",
            "resource_id": resource,
            "slot": slot,
            "taken": sum(holds.values()),
            "holds": [{"booking_id": b, "seats": s} for b, s in holds.items()],
        }
    )


def test_earlier_slot_loads_are_moved_and_still_refuse_a_full_resource(database):
    # Two seats: b1 holds 09:00–10:00 with 2 seats, b2 23:45–00:15 across midnight.
    for slot in SLOTS[:4]:
        old_load("r1", slot, {"b1": 2})
    midnight = datetime(2030, 1, 8, tzinfo=UTC)
    old_load("r1", midnight - timedelta(minutes=15), {"b2": 1})
    old_load("r1", midnight, {"b2": 1})
    old_load("r2", NINE, {"b3": 1})

    assert migrate_slot_loads(database) == 7
    assert SlotLoad.objects.count() == 0
    assert capacity.hold_all("r1", SLOTS[3:5], "new", 1, 2) is False  # 09:45 is full
    assert taken(SLOTS[:5]) == [2, 2, 2, 2, 0]
    assert (
        capacity.hold_all("r1", slots(midnight - timedelta(minutes=15), midnight), "n2", 2, 2)
        is False
    )
    assert held_by("r1") == {"b1": 8, "b2": 2}

    # Run again (another instance starting, or the old documents written again by a
    # version still running): nothing is counted twice.
    for slot in SLOTS[:4]:
        old_load("r1", slot, {"b1": 2})
    assert migrate_slot_loads(database) == 4
    assert taken(SLOTS[:5]) == [2, 2, 2, 2, 0]
    assert migrate_slot_loads(database) == 0

    # A moved booking is released as a new one is.
    capacity.release_all("r1", SLOTS[:4], "b1")
    assert capacity.hold_all("r1", SLOTS[3:5], "new", 1, 2) is True


def test_concurrent_migrations_count_each_hold_once(database):
    for n, slot in enumerate(SLOTS):
        old_load("r1", slot, {"b1": 1, f"x{n // 4}": 1})
    list(eventlet.GreenPool(4).imap(lambda _: migrate_slot_loads(database), range(4)))
    assert taken(SLOTS) == [2] * len(SLOTS)
    assert held_by() == {"b1": 8, "x0": 4, "x1": 4}
