"""A resource's availability as a pure computation (rules/availability.py): the window asked,
the units open outside closures within lead time and horizon, and the seats left in each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.booking import (
    AvailabilityRangeTooLong,
    EndNotAfterStart,
    ResourceSettings,
    UtcOffsetRequired,
)
from contracts.errors import ValidationFailed
from services.booking.rules import availability as free

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # Monday 07:00 in Paris
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00"


def settings(**fields) -> ResourceSettings:
    return ResourceSettings.model_validate(fields)


def local(units) -> list[str]:
    return [f"{a.astimezone(PARIS):%a %H:%M}-{b.astimezone(PARIS):%H:%M}" for a, b in units]


# --- the window ---------------------------------------------------------------------------------
def test_default_window_is_today_and_the_next_seven_days_in_the_resources_zone():
    lo, hi = free.window(None, None, settings(), NOW)
    assert lo == datetime(2026, 6, 1, tzinfo=PARIS)
    assert hi == datetime(2026, 6, 9, tzinfo=PARIS)


def test_dates_are_local_midnights_and_to_is_included():
    lo, hi = free.window("2026-06-02", "2026-06-02", settings(timezone="America/Cayenne"), NOW)
    cayenne = ZoneInfo("America/Cayenne")
    assert (lo, hi) == (datetime(2026, 6, 2, tzinfo=cayenne), datetime(2026, 6, 3, tzinfo=cayenne))


def test_at_most_31_local_days():
    free.window("2026-10-01", "2026-10-31", settings(), NOW)  # 31 days, one of 25 hours
    with pytest.raises(AvailabilityRangeTooLong) as refused:
        free.window("2026-10-01", "2026-11-01", settings(), NOW)
    assert refused.value.params == {"field": "to", "max_days": 31}


@pytest.mark.parametrize(
    ("start", "end", "error", "field"),
    [
        ("2026-06-02T10:00:00", None, UtcOffsetRequired, "from"),
        ("demain", None, ValidationFailed, "from"),
        ("2026-06-03", "2026-06-02", EndNotAfterStart, "to"),
        ("0001-01-01", None, ValidationFailed, "from"),  # no overflow, no 500
        ("9999-12-30", None, ValidationFailed, "from"),
        ("2026-06-01", "9999-12-31", ValidationFailed, "to"),
    ],
)
def test_a_bad_window_is_refused_naming_its_field(start, end, error, field):
    with pytest.raises(error) as refused:
        free.window(start, end, settings(), NOW)
    assert refused.value.params["field"] == field


# --- which units ---------------------------------------------------------------------------------
def test_opening_hours_make_the_units():
    s = settings(opening_hours=HOURS, unit="hour")
    got = free.open_units(s, *free.window("2026-06-01", "2026-06-01", s, NOW), NOW)
    assert local(got) == [
        "Mon 09:00-10:00", "Mon 10:00-11:00", "Mon 11:00-12:00",
        "Mon 14:00-15:00", "Mon 15:00-16:00", "Mon 16:00-17:00", "Mon 17:00-18:00",
    ]  # fmt: skip


def test_no_opening_hours_means_every_unit():
    s = settings(unit="hour")
    # From 07:00 in Paris (now) to midnight: the hours before now are gone.
    assert len(free.open_units(s, *free.window("2026-06-01", "2026-06-01", s, NOW), NOW)) == 17


def test_a_closure_removes_its_units():
    closure = {"start": "2026-06-01T10:00:00+02:00", "end": "2026-06-01T15:00:00+02:00"}
    s = settings(opening_hours=HOURS, unit="hour", closures=[closure])
    got = free.open_units(s, *free.window("2026-06-01", "2026-06-01", s, NOW), NOW)
    assert local(got) == [
        "Mon 09:00-10:00",
        "Mon 15:00-16:00",
        "Mon 16:00-17:00",
        "Mon 17:00-18:00",
    ]


def test_lead_time_and_horizon_bound_the_units():
    s = settings(opening_hours=HOURS, unit="hour", lead_time_minutes=180, horizon_days=1)
    got = free.open_units(s, *free.window("2026-06-01", "2026-06-03", s, NOW), NOW)
    # 07:00 + 3 h: from 10:00 on Monday; at most one day ahead: Tuesday up to 07:00 (closed).
    assert local(got)[0] == "Mon 10:00-11:00"
    assert local(got)[-1] == "Mon 17:00-18:00"


def test_dst_days_in_paris():
    s = settings(opening_hours="Mo-Su 00:00-04:00", unit="hour")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    spring = free.open_units(s, *free.window("2026-03-29", "2026-03-29", s, now), now)
    assert local(spring) == ["Sun 00:00-01:00", "Sun 01:00-03:00", "Sun 03:00-04:00"]
    assert all(b - a == timedelta(hours=1) for a, b in spring)
    autumn = free.open_units(s, *free.window("2026-10-25", "2026-10-25", s, now), now)
    assert len(autumn) == 5  # 02:00–03:00 twice
    days = free.open_units(
        settings(unit="day"), *free.window("2026-03-28", "2026-03-30", s, now), now
    )
    assert [b - a for a, b in days] == [
        timedelta(hours=24),
        timedelta(hours=23),
        timedelta(hours=24),
    ]


# --- seats left ---------------------------------------------------------------------------------
def test_seats_left_per_unit_and_a_full_unit_is_not_free():
    s = settings(opening_hours=HOURS, unit="hour")
    units = free.open_units(s, *free.window("2026-06-01", "2026-06-01", s, NOW), NOW)
    nine = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 in Paris
    taken = {nine + timedelta(minutes=15): 1, nine + timedelta(hours=1, minutes=30): 2}
    got = free.free_units(units, 2, taken)
    assert [(f["start"].astimezone(PARIS).hour, f["seats_left"]) for f in got] == [
        (9, 1), (11, 2), (14, 2), (15, 2), (16, 2), (17, 2),
    ]  # fmt: skip
