"""Booking's pure rules: slots, periods, seats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from contracts.errors import ValidationFailed
from services.booking import rules

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))


def test_slots_cover_the_period_in_quarter_hours():
    start = datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)
    got = rules.slots(start, start + timedelta(hours=1))
    assert got == [datetime(2026, 12, 1, 8, m, tzinfo=UTC) for m in (0, 15, 30, 45)]


def test_slots_round_an_unaligned_period_outward():
    start = datetime(2026, 12, 1, 9, 10, tzinfo=UTC)
    got = rules.slots(start, start + timedelta(minutes=10))
    assert got == [
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 15, tzinfo=UTC),
    ]


def test_adjacent_periods_share_no_slot():
    nine = datetime(2026, 12, 1, 9, tzinfo=UTC)
    first = rules.slots(nine, nine + timedelta(hours=1))
    second = rules.slots(nine + timedelta(hours=1), nine + timedelta(hours=2))
    assert not set(first) & set(second)


@pytest.mark.parametrize(
    ("start", "end", "field", "code"),
    [
        (NOW + timedelta(hours=2), NOW + timedelta(hours=1), "end", "end_not_after_start"),
        (NOW + timedelta(hours=2), NOW + timedelta(hours=2), "end", "end_not_after_start"),
        (NOW + timedelta(hours=1), NOW + timedelta(days=15), "end", "booking_too_long"),
        (NOW - timedelta(days=1), NOW - timedelta(hours=20), "start", "start_in_past"),
        (
            NOW + timedelta(days=800),
            NOW + timedelta(days=800, hours=1),
            "start",
            "start_beyond_horizon",
        ),
    ],
)
def test_bad_periods_are_refused(start, end, field, code):
    with pytest.raises(ValidationFailed) as error:
        rules.check_period(start, end, NOW)
    assert error.value.params["field"] == field
    assert error.value.code == code


def test_a_period_without_offset_is_refused():
    with pytest.raises(ValidationFailed):
        rules.check_period(datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 10), NOW)


def test_the_limits_themselves_are_accepted():
    # exactly the longest booking, starting just inside the past tolerance and the horizon
    longest = (NOW - rules.PAST_TOLERANCE, NOW - rules.PAST_TOLERANCE + rules.MAX_DURATION)
    latest = (NOW + rules.HORIZON, NOW + rules.HORIZON + timedelta(hours=1))
    for start, end in (longest, latest):
        assert rules.check_period(start, end, NOW) is None


def test_seats_beyond_capacity_are_refused():
    rules.check_seats(3, 3)
    with pytest.raises(ValidationFailed) as error:
        rules.check_seats(4, 3)
    assert error.value.code == "too_many_seats"
    assert error.value.params == {"field": "seats", "capacity": 3, "requested": 4}
