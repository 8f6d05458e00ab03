"""The waitlist's order and the fair-use arithmetic, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pydantic
import pytest

from contracts.booking import BookingIn
from services.booking.rules import quotas, waitlist

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def entry(n: str, created: datetime, queued: datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(id=n, created_at=created, queued_at=queued)


def test_first_come_first_served_and_a_lapsed_offer_goes_to_the_end():
    a = entry("a", T0)
    b = entry("b", T0 + timedelta(minutes=1))
    c = entry("c", T0 + timedelta(minutes=2))
    assert [e.id for e in waitlist.in_line([c, a, b])] == ["a", "b", "c"]
    a.queued_at = T0 + timedelta(hours=2)  # her offer lapsed then
    assert [e.id for e in waitlist.in_line([c, a, b])] == ["b", "c", "a"]


def test_ties_keep_one_order_and_naive_dates_read_as_utc():
    naive = entry("b", T0.replace(tzinfo=None))
    assert [e.id for e in waitlist.in_line([naive, entry("a", T0)])] == ["a", "b"]


def counted(start: datetime, hours: float, offset: int = 0) -> quotas.Counted:
    return quotas.Counted(start, start + timedelta(hours=hours), offset)


def test_hours_are_counted_in_the_week_the_booking_starts_on_the_persons_calendar():
    monday = counted(T0, 2)
    sunday = counted(T0 + timedelta(days=6), 3)
    next_monday = counted(T0 + timedelta(days=7), 4)
    week = quotas.week_of(T0, 0)
    assert week == "2026-W48"
    assert quotas.hours_in_week([monday, sunday, next_monday], week) == 5
    # Sunday 23:30 UTC is already Monday in Paris (+60): the next week there.
    late = counted(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), 1, offset=60)
    assert quotas.week_of(late.start, 60) == "2026-W49"
    assert quotas.hours_in_week([late], "2026-W48") == 0
    assert quotas.hours_in_week([late], "2026-W49") == 1


def test_the_week_of_a_start_is_read_in_its_own_offset():
    start = datetime(2026, 11, 30, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert quotas.week_of(start, 60) == "2026-W49"
    assert quotas.week_of(start, 0) == "2026-W48"  # 23:30 UTC on the Sunday


def test_active_bookings_are_those_not_ended():
    now = T0 + timedelta(hours=3)
    past, under_way, to_come = counted(T0, 1), counted(T0 + timedelta(hours=2), 2), counted(now, 1)
    assert quotas.active([past, under_way, to_come], now) == 2


PLAIN = {
    "resource_id": "r1",
    "start": "2026-12-01T09:00:00+01:00",
    "end": "2026-12-01T10:00:00+01:00",
}


def test_a_plain_booking_dumps_as_before_and_a_waiting_one_says_so():
    assert "waitlist" not in BookingIn.model_validate(PLAIN).model_dump(mode="json")
    waiting = BookingIn.model_validate({**PLAIN, "waitlist": True}).model_dump(mode="json")
    assert waiting["waitlist"] is True


def test_a_series_does_not_wait():
    rule = {"freq": "weekly", "count": 2}
    with pytest.raises(pydantic.ValidationError, match="series cannot wait"):
        BookingIn.model_validate({**PLAIN, "waitlist": True, "recurrence": rule})
