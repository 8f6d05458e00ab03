"""The capacity rule (conditional updates on one slot document each), against mongomock.

Fast and without a server: what the rule decides. The same rule under real concurrency on
SecantusDB is in ``tests/service/test_capacity_service.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.booking import capacity
from services.booking.models import ALIAS, SlotLoad
from tests.support import mongomock_alias

NINE = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SLOTS = [NINE + timedelta(minutes=15 * n) for n in range(4)]


@pytest.fixture(autouse=True)
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


def load(slot: datetime, resource: str = "r1") -> dict:
    return SlotLoad._get_collection().find_one({"_id": capacity.slot_id(resource, slot)}) or {
        "taken": 0,
        "holds": [],
    }


def test_slot_id_is_the_resource_and_the_quarter_hour():
    assert capacity.slot_id("r1", NINE) == "r1:2030-01-07T09:00"
    assert capacity.slot_id("r1", NINE + timedelta(minutes=15)) == "r1:2030-01-07T09:15"


def test_a_first_hold_creates_the_slot_with_the_booking_in_it():
    assert capacity.hold_slot("r1", NINE, "b1", 2, 3) is True
    doc = load(NINE)
    assert doc["taken"] == 2
    assert doc["holds"] == [{"booking_id": "b1", "seats": 2}]
    assert doc["resource_id"] == "r1" and doc["slot"] == NINE


def test_more_seats_than_the_resource_has_are_refused_even_on_a_new_slot():
    # The rule alone, without the request check in front of it: a first hold creates the
    # slot, and that creation must not take more than there is.
    assert capacity.hold_slot("r1", NINE, "b1", 4, 3) is False
    assert load(NINE) == {"taken": 0, "holds": []}


def test_a_multi_seat_booking_counts_all_its_seats():
    assert capacity.hold_slot("r1", NINE, "b1", 2, 3)
    # 2 of 3 seats taken: another 2 do not fit, 1 does.
    assert capacity.hold_slot("r1", NINE, "b2", 2, 3) is False
    assert load(NINE)["taken"] == 2
    assert capacity.hold_slot("r1", NINE, "b3", 1, 3) is True
    assert load(NINE)["taken"] == 3


def test_the_last_seat_goes_once_and_a_full_slot_refuses():
    assert capacity.hold_slot("r1", NINE, "b1", 1, 2)
    assert capacity.hold_slot("r1", NINE, "b2", 1, 2)
    assert capacity.hold_slot("r1", NINE, "b3", 1, 2) is False
    assert [h["booking_id"] for h in load(NINE)["holds"]] == ["b1", "b2"]


def test_exactly_filling_an_existing_slot_is_allowed():
    assert capacity.hold_slot("r1", NINE, "b1", 1, 4)
    assert capacity.hold_slot("r1", NINE, "b2", 3, 4) is True
    assert load(NINE)["taken"] == 4


def test_the_same_booking_holding_again_is_a_harmless_retry():
    assert capacity.hold_slot("r1", NINE, "b1", 2, 5)
    assert capacity.hold_slot("r1", NINE, "b1", 2, 5) is True  # already ours: still True
    doc = load(NINE)
    assert doc["taken"] == 2
    assert doc["holds"] == [{"booking_id": "b1", "seats": 2}]


def test_a_retry_of_a_booking_that_holds_the_last_seats_is_still_held():
    assert capacity.hold_slot("r1", NINE, "b1", 2, 2)
    assert capacity.hold_slot("r1", NINE, "b1", 2, 2) is True
    assert load(NINE)["taken"] == 2


def test_slots_of_other_resources_are_separate():
    assert capacity.hold_slot("r1", NINE, "b1", 1, 1)
    assert capacity.hold_slot("r2", NINE, "b2", 1, 1) is True


def test_release_gives_back_exactly_the_booking_s_seats():
    capacity.hold_slot("r1", NINE, "b1", 2, 5)
    capacity.hold_slot("r1", NINE, "b2", 1, 5)
    capacity.release_slot("r1", NINE, "b1")
    doc = load(NINE)
    assert doc["taken"] == 1
    assert doc["holds"] == [{"booking_id": "b2", "seats": 1}]
    capacity.release_slot("r1", NINE, "b1")  # twice: nothing more given back
    assert load(NINE)["taken"] == 1
    capacity.release_slot("r1", NINE + timedelta(hours=1), "b1")  # a slot never seen
    assert SlotLoad.objects.count() == 1


def test_hold_all_holds_every_slot():
    assert capacity.hold_all("r1", SLOTS, "b1", 2, 3) is True
    assert [load(s)["taken"] for s in SLOTS] == [2, 2, 2, 2]


def test_a_failed_hold_all_gives_back_what_it_took():
    # The third quarter hour is full: the first two, already taken, must be given back.
    assert capacity.hold_slot("r1", SLOTS[2], "other", 2, 2)
    assert capacity.hold_all("r1", SLOTS, "b1", 1, 2) is False
    assert [load(s)["taken"] for s in SLOTS] == [0, 0, 2, 0]
    assert all(h["booking_id"] != "b1" for s in SLOTS for h in load(s)["holds"])
    # and the seats it gave back can be booked by someone else
    assert capacity.hold_all("r1", SLOTS[:2], "b2", 2, 2) is True


def test_a_hold_all_failing_on_its_last_slot_holds_nothing():
    capacity.hold_slot("r1", SLOTS[3], "other", 1, 1)
    assert capacity.hold_all("r1", SLOTS, "b1", 1, 1) is False
    assert capacity.seats_taken("r1", SLOTS[:3]) == 0


def test_release_all_gives_back_every_slot():
    capacity.hold_all("r1", SLOTS, "b1", 2, 3)
    capacity.release_all("r1", SLOTS, "b1")
    assert [load(s)["taken"] for s in SLOTS] == [0, 0, 0, 0]


def test_seats_taken_is_the_busiest_slot():
    assert capacity.seats_taken("r1", SLOTS) == 0
    capacity.hold_all("r1", SLOTS[:2], "b1", 1, 5)
    capacity.hold_all("r1", SLOTS[1:3], "b2", 2, 5)
    assert capacity.seats_taken("r1", SLOTS) == 3
    assert capacity.seats_taken("r1", SLOTS[3:]) == 0
    assert capacity.seats_taken("r2", SLOTS) == 0
