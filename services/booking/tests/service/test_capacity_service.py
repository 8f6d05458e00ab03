"""The capacity rule on a real database (SecantusDB), under concurrency.

mongomock runs one update at a time; here many green threads race on the same slots through
real connections, which is where a read-then-write rule would overbook.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import eventlet
import pytest

from services.booking import capacity
from services.booking.models import ALIAS, SlotLoad
from services.common.db import connect, disconnect

NINE = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SLOTS = [NINE + timedelta(minutes=15 * n) for n in range(8)]


@pytest.fixture(autouse=True)
def database(mongo_uri, territory):
    yield connect(ALIAS, mongo_uri, f"{territory}_booking")
    disconnect(ALIAS)


def taken(slots: list[datetime], resource: str = "r1") -> list[int]:
    ids = [capacity.slot_id(resource, s) for s in slots]
    found = {d["_id"]: d["taken"] for d in SlotLoad._get_collection().find({"_id": {"$in": ids}})}
    return [found.get(i, 0) for i in ids]


def test_concurrent_first_holds_of_a_new_slot_never_overbook():
    # Every request finds the slot missing: the upsert races are settled by the _id.
    def attempt(n: int) -> bool:
        return capacity.hold_slot("r1", NINE, f"b{n}", 2, 5)

    outcomes = list(eventlet.GreenPool(16).imap(attempt, range(16)))
    assert outcomes.count(True) == 2
    [doc] = SlotLoad._get_collection().find({"_id": capacity.slot_id("r1", NINE)})
    assert doc["taken"] == 4
    assert sorted(h["booking_id"] for h in doc["holds"]) == sorted(
        f"b{n}" for n, ok in enumerate(outcomes) if ok
    )


def test_concurrent_retries_of_one_booking_hold_its_seats_once():
    outcomes = list(
        eventlet.GreenPool(10).imap(lambda _: capacity.hold_slot("r1", NINE, "b1", 2, 3), range(10))
    )
    assert all(outcomes)
    assert taken([NINE]) == [2]


def test_overlapping_multi_slot_bookings_race_for_the_last_seat():
    # Each wants a different window over shared slots: whatever the interleaving, no slot ends
    # above capacity and every loser gives back its partial holds.
    windows = [SLOTS[n : n + 4] for n in range(5)]

    def attempt(n: int) -> bool:
        return capacity.hold_all("r1", windows[n], f"b{n}", 1, 1)

    outcomes = list(eventlet.GreenPool(5).imap(attempt, range(5)))
    assert outcomes.count(True) <= 2  # both ends at best; all may lose, none may overbook
    loads = taken(SLOTS)
    assert max(loads) == 1
    winners = [windows[n] for n, ok in enumerate(outcomes) if ok]
    assert sum(loads) == sum(len(w) for w in winners)  # nothing held by a loser


def test_release_under_concurrency_gives_back_each_seat_once():
    for n in range(6):
        assert capacity.hold_all("r1", SLOTS[:4], f"b{n}", 1, 6)
    list(
        eventlet.GreenPool(12).imap(
            lambda n: capacity.release_all("r1", SLOTS[:4], f"b{n % 6}"), range(12)
        )
    )
    assert taken(SLOTS[:4]) == [0, 0, 0, 0]
