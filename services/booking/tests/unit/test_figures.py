"""The funders' figures' arithmetic (rules/figures.py): open hours over a month (DST months
included), booked hours inside them, what counts as booked, unique visitors, small counts
grouped, the rows. Every expected figure is worked out by hand in the comments."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from contracts.booking import BadMonth, ResourceSettings
from services.booking.rules import figures as rules

PARIS = ZoneInfo("Europe/Paris")


def at(day: str, hh: int, mm: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hh, minute=mm, tzinfo=PARIS)


def room(hours: str | None = None, seats: int = 1, rid: str = "r1", **rules_) -> rules.Room:
    settings = ResourceSettings.model_validate({"opening_hours": hours, **rules_})
    return rules.Room(rid, "p1", f"Salle {rid}", "meeting_room", seats, settings)


def entry(n: int, start: datetime, end: datetime, status: str = "confirmed", **fields):
    values = {"resource_id": "r1", "place_id": "p1", "seats": 1, **fields}
    return rules.Entry(id=f"b{n}", start=start, end=end, status=status, **values)


# --- open hours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "hours"),
    [
        ("2026-10", 31 * 24 + 1),  # 25 October: 03:00 → 02:00, a day of 25 hours
        ("2026-03", 31 * 24 - 1),  # 29 March: 02:00 → 03:00, a day of 23 hours
        ("2026-11", 30 * 24),
        ("2026-02", 28 * 24),
    ],
)
def test_a_resource_without_opening_hours_is_open_around_the_clock(month, hours):
    figures = rules.summary(month, [room()], [], detailed=True)
    assert figures["resources"][0]["open_hours"] == hours
    assert figures["resources"][0]["open_hours_known"] is False


def test_open_hours_follow_the_opening_hours_minus_the_closures():
    # November 2026 begins on a Sunday: Sundays 1, 8, 15, 22, 29 and Saturdays 7, 14, 21, 28,
    # so 30 - 9 = 21 weekdays of 8 hours = 168 h; closed on Wednesday 11 (Armistice): 160 h.
    closure = {"start": at("2026-11-11", 0).isoformat(), "end": at("2026-11-12", 0).isoformat()}
    open_room = room("Mo-Fr 09:00-17:00", closures=[closure])
    assert rules.summary("2026-11", [open_room], [], True)["resources"][0]["open_hours"] == 160


def test_the_day_of_25_hours_counts_25_booked_hours():
    # A day booking of a resource open around the clock on 25 October 2026 (Paris): 25 hours
    # of the month's 745, so 25 / 745 = 0.0336 (to 4 places).
    booking = entry(1, at("2026-10-25", 0), at("2026-10-26", 0))
    figures = rules.summary("2026-10", [room()], [booking], True)
    assert figures["hours_booked"] == 25
    assert figures["resources"][0]["occupancy"] == round(25 / 745, 4) == 0.0336


def test_a_booking_across_two_months_counts_in_each_its_own_hours():
    # 31 October 22:00 → 1 November 02:00: 2 hours in each month, keys for both.
    start, end = at("2026-10-31", 22), at("2026-11-01", 2)
    assert rules.month_keys(start, end, PARIS, "p1") == [
        "2026-10",
        "2026-10:p1",
        "2026-11",
        "2026-11:p1",
    ]
    booking = entry(1, start, end)
    assert rules.summary("2026-10", [room()], [booking], True)["hours_booked"] == 2
    assert rules.summary("2026-11", [room()], [booking], True)["hours_booked"] == 2


def test_a_booking_ending_at_midnight_belongs_to_its_month_only():
    assert rules.month_keys(at("2026-11-30", 22), at("2026-12-01", 0), PARIS, "p") == [
        "2026-11",
        "2026-11:p",
    ]


def test_only_the_hours_inside_the_opening_hours_count():
    # A day booking of a desk open 09:00-17:00: 8 hours, not 24.
    desk = room("Mo-Fr 09:00-17:00", unit="day")
    booking = entry(1, at("2026-11-03", 0), at("2026-11-04", 0))
    assert rules.summary("2026-11", [desk], [booking], True)["hours_booked"] == 8


# --- the demo month, by hand ----------------------------------------------------------------------


def test_the_demo_month_by_hand():
    # A room open Tuesdays and Thursdays 09:00-14:00 in November 2026: Tuesdays 3, 10, 17,
    # 24 and Thursdays 5, 12, 19, 26 = 8 days × 5 h = 40 open hours.
    # Three bookings of 2 h (b1, b2, b3) = 6 booked hours → 6 / 40 = 15 %.
    # b4 (2 h) is cancelled and b5 (2 h) awaits approval: neither is booked.
    # Visitors: b1 and b3 are Véronique (member m1), b2 is Marceline (her address) → 2.
    room_ = room("Tu,Th 09:00-14:00")
    entries = [
        entry(1, at("2026-11-03", 9), at("2026-11-03", 11), member_id="m1", channel="online"),
        entry(
            2, at("2026-11-05", 9), at("2026-11-05", 11), email_key="m@x.org", channel="on_behalf"
        ),
        entry(3, at("2026-11-10", 12), at("2026-11-10", 14), member_id="m1", channel="online"),
        entry(4, at("2026-11-12", 9), at("2026-11-12", 11), "cancelled", member_id="m9"),
        entry(5, at("2026-11-17", 9), at("2026-11-17", 11), "awaiting_approval", member_id="m8"),
    ]
    figures = rules.summary("2026-11", [room_], entries, detailed=True)
    assert figures["resources"][0]["open_hours"] == 40
    assert figures["resources"][0]["occupancy"] == 0.15
    assert (figures["hours_booked"], figures["bookings"], figures["visitors"]) == (6, 3, 2)
    assert figures["outcomes"] == {
        "confirmed": 3,
        "checked_in": 0,
        "no_show": 0,
        "excused": 0,
        "cancelled": 1,
        "awaiting_approval": 1,
    }
    assert figures["channels"] == {"online": 2, "on_behalf": 1}


def test_the_outcomes_after_the_start_are_booked_and_cancelled_is_not():
    # Four bookings of 1 h on a seat open around the clock: checked in, no-show, excused
    # count as booked (3 h); cancelled does not.
    statuses = ("checked_in", "no_show", "excused", "cancelled")
    entries = [
        entry(n, at("2026-11-02", 8 + n), at("2026-11-02", 9 + n), status, member_id=f"m{n}")
        for n, status in enumerate(statuses)
    ]
    figures = rules.summary("2026-11", [room()], entries, True)
    assert (figures["bookings"], figures["hours_booked"], figures["visitors"]) == (3, 3, 3)
    assert [figures["outcomes"][s] for s in statuses] == [1, 1, 1, 1]


def test_seats_multiply_the_hours_and_the_capacity():
    # A desk pool of 4 seats open 10 hours on Monday 2 November only: 40 seat-hours; a
    # booking of 2 seats for 5 hours = 10 seat-hours → 25 %.
    pool = room("2026 Nov 02 08:00-18:00", seats=4)
    booking = entry(1, at("2026-11-02", 8), at("2026-11-02", 13), seats=2)
    figures = rules.summary("2026-11", [pool], [booking], True)
    assert (figures["hours_booked"], figures["resources"][0]["occupancy"]) == (10, 0.25)


# --- visitors -------------------------------------------------------------------------------------


def test_one_person_is_one_visitor_however_she_was_booked():
    # Marceline: booked by a manager by her address (b1), by phone (b2, with her address:
    # b3 by phone and address links them), then herself signed in (b4: member id and
    # address). An erased member's two bookings share a token (b5, b6). A phone-less,
    # address-less booking is one visitor (b7). So 3 visitors.
    day = at("2026-11-02", 9), at("2026-11-02", 10)
    entries = [
        entry(1, *day, email_key="marceline@x.org"),
        entry(2, *day, phone="04 92 00 00 00"),
        entry(3, *day, phone="0492000000", email_key="marceline@x.org"),
        entry(4, *day, member_id="m1", email_key="marceline@x.org"),
        entry(5, *day, visitor="erased:1"),
        entry(6, *day, visitor="erased:1"),
        entry(7, *day),
    ]
    assert rules.summary("2026-11", [room()], entries, True)["visitors"] == 3


def test_small_counts_are_grouped_for_who_may_not_see_them_whole():
    # Riez 3 visitors, Moustiers 1, Allos 1, no commune 1: Moustiers and Allos (fewer than
    # 3 each) make "grouped: 2"; a manager of the place sees each.
    communes = ["Riez", "Riez", "Riez", "Moustiers", "Allos", None]
    entries = [
        entry(n, at("2026-11-02", 9), at("2026-11-02", 10), member_id=f"m{n}", commune=c)
        for n, c in enumerate(communes)
    ]
    public = rules.summary("2026-11", [room()], entries, detailed=False)
    assert public["visitors_by_commune"] == {"Riez": 3, "grouped": 2, "unknown": 1}
    whole = rules.summary("2026-11", [room()], entries, detailed=True)
    assert whole["visitors_by_commune"] == {"Allos": 1, "Moustiers": 1, "Riez": 3, "unknown": 1}
    assert public["visitors_by_audience"] == {"unknown": 6}


def test_a_visitor_is_counted_under_her_latest_audience_once():
    day1, day2 = (
        (at("2026-11-02", 9), at("2026-11-02", 10)),
        (at("2026-11-09", 9), at("2026-11-09", 10)),
    )
    entries = [
        entry(1, *day1, member_id="m1", audience="student"),
        entry(2, *day2, member_id="m1", audience="job_seeker"),
    ]
    figures = rules.summary("2026-11", [room()], entries, True)
    assert figures["visitors_by_audience"] == {"job_seeker": 1}


# --- rows and months ------------------------------------------------------------------------------


def test_the_rows_add_up_to_the_aggregates():
    # 24/7 room: b1 3 h × 2 seats, b2 1.5 h, b3 cancelled → rows' hours 6 + 1.5 + 0 = 7.5.
    entries = [
        entry(1, at("2026-11-02", 9), at("2026-11-02", 12), seats=2, member_id="m1"),
        entry(2, at("2026-11-03", 9), at("2026-11-03", 10, 30), member_id="m1", commune="Riez"),
        entry(3, at("2026-11-04", 9), at("2026-11-04", 10), "cancelled", member_id="m2"),
    ]
    found = rules.rows("2026-11", [room()], entries)
    figures = rules.summary("2026-11", [room()], entries, True)
    assert [r["hours"] for r in found] == [6, 1.5, 0]
    assert sum(r["hours"] for r in found) == figures["hours_booked"] == 7.5
    assert [r["visitor"] for r in found] == ["V1", "V1", ""]
    assert {"name", "email", "phone", "member_id"}.isdisjoint(found[0])


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "1999-12", "", None, "2026-11-01"])
def test_a_month_is_written_yyyy_mm(month):
    with pytest.raises(BadMonth) as refused:
        rules.parse_month(month)
    assert refused.value.params == {"field": "month", "value": month}
