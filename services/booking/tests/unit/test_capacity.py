"""The capacity rule (one conditional update per resource and UTC day), against mongomock.

Fast and without a server: what the rule decides and the day/quarter arithmetic. The same
rule under real concurrency on SecantusDB is in ``tests/service/test_capacity_service.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.booking import capacity
from services.booking.models import ALIAS, CapacityDay
from services.booking.rules import slots
from tests.support import mongomock_alias

NINE = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SLOTS = [NINE + timedelta(minutes=15 * n) for n in range(4)]
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


def day_doc(day: date = NINE.date(), resource: str = "r1") -> dict:
    found = CapacityDay._get_collection().find_one({"_id": capacity.day_id(resource, day)})
    return found or {"q": {}, "holds": []}


def load(slot: datetime, resource: str = "r1") -> int:
    day, quarter = capacity.quarter_of(slot)
    return day_doc(day, resource)["q"].get(str(quarter), 0)


def writes_of(monkeypatch) -> list[str]:
    """The ``_id`` of every conditional update the capacity module makes from now on."""
    seen: list[str] = []
    coll = CapacityDay._get_collection()
    real = type(coll).update_one

    def counting(self, filter, *args, **kwargs):
        seen.append(filter["_id"])
        return real(self, filter, *args, **kwargs)

    monkeypatch.setattr(type(coll), "update_one", counting)
    return seen


# -- day and quarter arithmetic ------------------------------------------------------------
def test_a_quarter_is_its_utc_day_and_its_index_in_that_day():
    assert capacity.quarter_of(NINE) == (date(2030, 1, 7), 36)
    assert capacity.quarter_of(NINE + timedelta(minutes=45)) == (date(2030, 1, 7), 39)
    assert capacity.quarter_of(datetime(2030, 1, 7, 23, 45, tzinfo=UTC)) == (date(2030, 1, 7), 95)
    # An offset is read in UTC: 00:30 in Paris in winter is 23:30 UTC the day before.
    assert capacity.quarter_of(datetime(2030, 1, 8, 0, 30, tzinfo=PARIS)) == (date(2030, 1, 7), 94)
    for quarter in (0, 36, 95):
        assert capacity.quarter_of(capacity.slot_at(date(2030, 1, 7), quarter)) == (
            date(2030, 1, 7),
            quarter,
        )


def test_the_day_id_is_the_resource_and_the_utc_date():
    assert capacity.day_id("r1", date(2030, 1, 7)) == "r1:2030-01-07"


def test_slots_are_grouped_by_utc_day_in_order():
    start = datetime(2030, 1, 7, 23, 30, tzinfo=UTC)
    grouped = capacity.by_day(slots(start, start + timedelta(hours=1)))
    assert grouped == {date(2030, 1, 7): [94, 95], date(2030, 1, 8): [0, 1]}


@pytest.mark.parametrize(
    ("local_day", "first_utc_day", "first_part", "second_part"),
    [
        # 29 March 2026: Paris goes from +01:00 to +02:00 at 02:00; the local day lasts 23 h,
        # from 23:00 UTC the day before (4 quarters) to 22:00 UTC (88 quarters).
        (date(2026, 3, 29), date(2026, 3, 28), 4, 88),
        # 25 October 2026: back to +01:00 at 03:00; the local day lasts 25 h, from 22:00 UTC
        # the day before (8 quarters) to 23:00 UTC (92 quarters).
        (date(2026, 10, 25), date(2026, 10, 24), 8, 92),
        # An ordinary summer day: 22:00 UTC the day before (8) to 22:00 UTC (88).
        (date(2026, 7, 14), date(2026, 7, 13), 8, 88),
    ],
)
def test_a_local_day_splits_over_two_utc_days_as_daylight_saving_time_has_it(
    local_day, first_utc_day, first_part, second_part
):
    start = datetime.combine(local_day, datetime.min.time(), tzinfo=PARIS)
    end = datetime.combine(local_day + timedelta(days=1), datetime.min.time(), tzinfo=PARIS)
    grouped = capacity.by_day(slots(start, end))
    assert list(grouped) == [first_utc_day, local_day]
    assert [len(q) for q in grouped.values()] == [first_part, second_part]
    assert grouped[first_utc_day] == list(range(96 - first_part, 96))
    assert grouped[local_day] == list(range(second_part))


def test_a_dst_day_booked_whole_is_held_and_counted_on_both_utc_days():
    start = datetime(2026, 3, 29, tzinfo=PARIS)
    whole = slots(start, datetime(2026, 3, 30, tzinfo=PARIS))
    assert capacity.hold_all("r1", whole, "b1", 1, 1)
    assert len(capacity.taken_by_slot("r1", whole)) == 92  # 23 hours
    assert capacity.hold_all("r1", slots(start - timedelta(minutes=15), start), "b2", 1, 1)
    assert capacity.hold_all("r1", whole[-1:], "b3", 1, 1) is False


# -- the rule --------------------------------------------------------------------------------
def test_a_hold_takes_the_seats_of_every_quarter_in_one_document():
    assert capacity.hold_all("r1", SLOTS, "b1", 2, 3) is True
    doc = day_doc()
    assert doc["q"] == {"36": 2, "37": 2, "38": 2, "39": 2}
    assert doc["holds"] == [{"booking_id": "b1", "seats": 2, "from": 36, "to": 40}]
    assert CapacityDay.objects.count() == 1


def test_more_seats_than_capacity_are_refused_even_on_a_new_day():
    assert capacity.hold_all("r1", SLOTS, "b1", 4, 3) is False
    assert CapacityDay.objects.count() == 0


def test_the_last_seat_goes_once():
    assert capacity.hold_all("r1", SLOTS, "b1", 1, 2)
    assert capacity.hold_all("r1", SLOTS[1:], "b2", 1, 2)
    assert capacity.hold_all("r1", SLOTS[3:], "b3", 1, 2) is False
    assert capacity.hold_all("r1", SLOTS[:1], "b3", 1, 2) is True  # 09:00 had one seat left
    assert [load(s) for s in SLOTS] == [2, 2, 2, 2]


def test_a_quarter_just_outside_a_booking_is_free():
    assert capacity.hold_all("r1", SLOTS[1:3], "b1", 1, 1)
    assert capacity.hold_all("r1", SLOTS[:1], "b2", 1, 1)
    assert capacity.hold_all("r1", SLOTS[3:], "b3", 1, 1)
    assert [load(s) for s in SLOTS] == [1, 1, 1, 1]


def test_a_retry_of_the_same_booking_holds_once():
    assert capacity.hold_all("r1", SLOTS, "b1", 2, 5)
    assert capacity.hold_all("r1", SLOTS, "b1", 2, 5) is True  # already ours: still True
    assert load(NINE) == 2
    assert len(day_doc()["holds"]) == 1


def test_a_retry_on_a_full_day_it_holds_answers_true():
    assert capacity.hold_all("r1", SLOTS, "b1", 2, 2)
    assert capacity.hold_all("r1", SLOTS, "b1", 2, 2) is True


def test_resources_do_not_share_seats():
    assert capacity.hold_all("r1", SLOTS, "b1", 1, 1)
    assert capacity.hold_all("r2", SLOTS, "b2", 1, 1) is True


def test_release_gives_back_exactly_the_booking_s_seats():
    capacity.hold_all("r1", SLOTS, "b1", 2, 5)
    capacity.hold_all("r1", SLOTS[:2], "b2", 1, 5)
    capacity.release_all("r1", SLOTS, "b1")
    doc = day_doc()
    assert [load(s) for s in SLOTS] == [1, 1, 0, 0]
    assert doc["holds"] == [{"booking_id": "b2", "seats": 1, "from": 36, "to": 38}]
    capacity.release_all("r1", SLOTS, "b1")  # twice: nothing more given back
    assert [load(s) for s in SLOTS] == [1, 1, 0, 0]
    capacity.release_all("r1", [NINE + timedelta(days=3)], "b1")  # a day never seen
    assert CapacityDay.objects.count() == 1


def test_a_failed_multi_day_hold_gives_back_what_it_took():
    # Three days; the third is full: the first two, already taken, are given back.
    days = [NINE + timedelta(days=n) for n in range(3)]
    wanted = [s for d in days for s in slots(d, d + timedelta(hours=1))]
    assert capacity.hold_all("r1", slots(days[2], days[2] + timedelta(minutes=15)), "x", 2, 2)
    assert capacity.hold_all("r1", wanted, "b1", 1, 2) is False
    assert capacity.seats_taken("r1", wanted[:8]) == 0
    assert all(h["booking_id"] != "b1" for d in days for h in day_doc(d.date())["holds"])
    assert capacity.hold_all("r1", wanted[:8], "b2", 2, 2) is True


def test_a_one_day_booking_is_one_write_and_a_multi_day_one_a_write_per_day(monkeypatch):
    seen = writes_of(monkeypatch)
    day = datetime(2030, 1, 7, 7, 0, tzinfo=UTC)
    assert capacity.hold_all("r1", slots(day, day + timedelta(hours=10)), "b1", 1, 1)
    assert seen == ["r1:2030-01-07"]
    seen.clear()
    week = slots(day, day + timedelta(days=6, hours=10))
    assert capacity.hold_all("r2", week, "b2", 1, 1)
    assert len(seen) == 7


def test_taken_by_slot_and_seats_taken_read_the_counters():
    assert capacity.seats_taken("r1", SLOTS) == 0
    capacity.hold_all("r1", SLOTS[:2], "b1", 1, 5)
    capacity.hold_all("r1", SLOTS[1:3], "b2", 2, 5)
    assert capacity.taken_by_slot("r1", SLOTS) == {SLOTS[0]: 1, SLOTS[1]: 3, SLOTS[2]: 2}
    assert capacity.seats_taken("r1", SLOTS) == 3
    assert capacity.seats_taken("r1", SLOTS[3:]) == 0


def test_first_day_above_finds_the_first_day_over_a_limit_from_a_moment_on():
    capacity.hold_all("r1", SLOTS, "b1", 2, 5)
    later = [s + timedelta(days=2) for s in SLOTS]
    capacity.hold_all("r1", later, "b2", 3, 5)
    assert capacity.first_day_above("r1", NINE, 1) == (NINE.date(), 2)
    assert capacity.first_day_above("r1", NINE, 2) == (later[0].date(), 3)
    # The last quarter of b1 (09:45) still counts at 09:45, no longer at 10:00.
    assert capacity.first_day_above("r1", SLOTS[3], 1) == (NINE.date(), 2)
    assert capacity.first_day_above("r1", NINE + timedelta(hours=1), 1) == (later[0].date(), 3)
    assert capacity.first_day_above("r1", NINE - timedelta(days=9), 3) is None
