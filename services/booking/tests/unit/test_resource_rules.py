"""A resource's booking rules, one by one (rules/settings.py), including the DST days of
Europe/Paris (2026-03-29: 02:00 → 03:00; 2026-10-25: 03:00 → 02:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from contracts.booking import (
    BeyondHorizon,
    CancellationDeadlinePassed,
    DurationOutOfRange,
    NotOnUnit,
    OutsideOpeningHours,
    ResourceClosed,
    ResourceIn,
    ResourcePatch,
    ResourceSettings,
    TooLateToBook,
)
from services.booking.rules import settings as rules

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00"


def at(day: str, hh: int, mm: int = 0, fold: int = 0) -> datetime:
    """A Paris wall time (``fold=1``: the second 02:xx of a fall-back night)."""
    return datetime.fromisoformat(day).replace(hour=hh, minute=mm, tzinfo=PARIS, fold=fold)


def settings(**fields) -> ResourceSettings:
    return ResourceSettings.model_validate(fields)


# --- validation of the settings ---------------------------------------------------------------
def test_defaults_keep_earlier_resources_bookable_as_before():
    s = ResourceIn(name="Bureau", kind="desk_pool")
    assert (s.opening_hours, s.closures, s.unit, s.timezone) == (
        None,
        [],
        "quarter_hour",
        "Europe/Paris",
    )
    assert (s.lead_time_minutes, s.horizon_days, s.max_duration_minutes) == (0, 731, 14 * 24 * 60)
    assert (s.approval_required, s.price_member_cents, s.cancellation_deadline_hours) == (
        False,
        None,
        0,
    )


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"opening_hours": "Mo-Fx 09:00-12:00"}, "opening_hours", "expected wday"),
        ({"opening_hours": "lundi 9h-12h"}, "opening_hours", "opening_hours"),
        ({"timezone": "Europe/Riez"}, "timezone", "unknown IANA time zone"),
        ({"unit": "week"}, "unit", ""),
        ({"max_duration_minutes": 14 * 24 * 60 + 1}, "max_duration_minutes", ""),
        ({"horizon_days": 732}, "horizon_days", ""),
        ({"closures": [{"start": "2026-05-02T00:00:00+02:00", "end": "2026-05-01T00:00:00+02:00"}]},
         "closures", "end must be after"),
        ({"closures": [{"start": "2026-05-01T00:00:00", "end": "2026-05-02T00:00:00+02:00"}]},
         "closures", "timezone"),
        ({"min_duration_minutes": 120, "max_duration_minutes": 60}, "", "min_duration_minutes"),
    ],
)  # fmt: skip
def test_invalid_settings_are_refused_with_their_field_and_why(fields, field, says):
    for model in (ResourceSettings, ResourcePatch):
        if model is ResourcePatch and not field:
            continue  # min > max shows only once merged with the resource (commands)
        with pytest.raises(ValidationError) as refused:
            model.model_validate(fields)
        [error] = refused.value.errors()
        assert str(error["loc"][0] if error["loc"] else "") == field
        assert says in str(refused.value)


def test_a_valid_opening_hours_expression_is_kept_as_written():
    assert settings(opening_hours=HOURS).opening_hours == HOURS


# --- unit ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("unit", "good", "bad"),
    [
        ("quarter_hour", (9, 45), (9, 50)),
        ("hour", (10, 0), (10, 30)),
        ("half_day", (12, 0), (9, 0)),
        ("day", (0, 0), (12, 0)),
    ],
)
def test_bookings_start_and_end_on_their_unit_in_local_time(unit, good, bad):
    s = settings(unit=unit)
    start = at("2026-06-01", *good)
    rules.check_booking(s, start, start + timedelta(days=1), NOW)
    with pytest.raises(NotOnUnit) as refused:
        rules.check_booking(s, at("2026-06-01", *bad), start + timedelta(days=1), NOW)
    assert refused.value.params["field"] == "start"
    assert refused.value.params["unit"] == unit


def test_the_unit_is_local_not_utc():
    # 10:00 in Kolkata is 04:30 UTC: on the hour there, not in UTC.
    kolkata = settings(unit="hour", timezone="Asia/Kolkata")
    start = datetime(2026, 6, 1, 4, 30, tzinfo=UTC)
    rules.check_booking(kolkata, start, start + timedelta(hours=1), NOW)
    with pytest.raises(NotOnUnit):
        rules.check_booking(settings(unit="hour"), start, start + timedelta(hours=1), NOW)


def test_a_day_on_the_spring_dst_day_is_23_hours_and_on_the_autumn_one_25():
    s = settings(unit="day", max_duration_minutes=14 * 24 * 60)
    spring, autumn = at("2026-03-29", 0), at("2026-10-25", 0)
    rules.check_booking(s, spring, at("2026-03-30", 0), NOW)
    rules.check_booking(s, autumn, at("2026-10-26", 0), NOW)
    assert at("2026-03-30", 0).astimezone(UTC) - spring.astimezone(UTC) == timedelta(hours=23)
    assert [b - a for a, b in rules.units("day", PARIS, spring, at("2026-03-30", 0))] == [
        timedelta(hours=23)
    ]
    assert [b - a for a, b in rules.units("day", PARIS, autumn, at("2026-10-26", 0))] == [
        timedelta(hours=25)
    ]
    with pytest.raises(NotOnUnit):  # 24 hours after midnight is 01:00 that day
        rules.check_booking(s, spring, spring.astimezone(UTC) + timedelta(hours=24), NOW)


def test_hour_units_over_the_autumn_night_are_all_one_hour_with_02h_twice():
    got = rules.units("hour", PARIS, at("2026-10-25", 1), at("2026-10-25", 4))
    assert [b - a for a, b in got] == [timedelta(hours=1)] * 4
    assert [a.astimezone(PARIS).strftime("%H%z") for a, _ in got] == [
        "01+0200",
        "02+0200",
        "02+0100",
        "03+0100",
    ]


def test_hour_units_skip_the_missing_spring_hour():
    got = rules.units("hour", PARIS, at("2026-03-29", 1), at("2026-03-29", 4))
    assert [a.astimezone(PARIS).hour for a, _ in got] == [1, 3]
    assert all(b - a == timedelta(hours=1) for a, b in got)


# --- duration, lead time, horizon --------------------------------------------------------------
def test_duration_within_min_and_max():
    s = settings(min_duration_minutes=60, max_duration_minutes=120)
    start = at("2026-06-01", 9)
    rules.check_booking(s, start, start + timedelta(hours=1), NOW)
    rules.check_booking(s, start, start + timedelta(hours=2), NOW)
    for minutes in (45, 135):
        with pytest.raises(DurationOutOfRange) as refused:
            rules.check_booking(s, start, start + timedelta(minutes=minutes), NOW)
        assert refused.value.params == {
            "field": "end",
            "min_minutes": 60,
            "max_minutes": 120,
            "minutes": minutes,
        }


def test_minimum_defaults_to_one_unit():
    s = settings(unit="hour")
    start = at("2026-06-01", 9)
    rules.check_booking(s, start, start + timedelta(hours=1), NOW)
    with pytest.raises(NotOnUnit):
        rules.check_booking(s, start, start + timedelta(minutes=30), NOW)


def test_duration_counts_real_time_across_dst():
    # 01:00 → 04:00 on 2026-03-29 is two hours: a 3-hour minimum refuses it.
    s = settings(min_duration_minutes=180)
    with pytest.raises(DurationOutOfRange) as refused:
        rules.check_booking(s, at("2026-03-29", 1), at("2026-03-29", 4), NOW)
    assert refused.value.params["minutes"] == 120


def test_lead_time():
    s = settings(lead_time_minutes=24 * 60)
    rules.check_booking(s, NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1), NOW)
    with pytest.raises(TooLateToBook) as refused:
        late = NOW + timedelta(hours=23, minutes=45)
        rules.check_booking(s, late, late + timedelta(hours=1), NOW)
    assert refused.value.params["lead_time_minutes"] == 24 * 60


def test_no_lead_time_keeps_the_quarter_hour_begun():
    # Lead time 0 adds no rule: the period checks (start_in_past) keep their tolerance.
    begun = NOW - timedelta(minutes=15)
    assert rules.check_booking(settings(), begun, NOW + timedelta(minutes=45), NOW) is None
    with pytest.raises(TooLateToBook):  # the same quarter hour with a lead time is refused
        rules.check_booking(settings(lead_time_minutes=15), begun, NOW + timedelta(minutes=45), NOW)


def test_horizon():
    s = settings(horizon_days=30)
    rules.check_booking(s, NOW + timedelta(days=30), NOW + timedelta(days=30, hours=1), NOW)
    with pytest.raises(BeyondHorizon) as refused:
        far = NOW + timedelta(days=30, minutes=15)
        rules.check_booking(s, far, far + timedelta(hours=1), NOW)
    assert refused.value.params["horizon_days"] == 30


# --- closures and opening hours ----------------------------------------------------------------
def test_closures_refuse_any_overlap_and_say_which():
    closure = {"start": "2026-06-01T12:00:00+02:00", "end": "2026-06-02T00:00:00+02:00",
               "reason": "Travaux"}  # fmt: skip
    s = settings(closures=[closure])
    rules.check_booking(s, at("2026-06-01", 11), at("2026-06-01", 12), NOW)  # ends as it begins
    rules.check_booking(s, at("2026-06-02", 0), at("2026-06-02", 1), NOW)
    with pytest.raises(ResourceClosed) as refused:
        rules.check_booking(s, at("2026-06-01", 11, 45), at("2026-06-01", 12, 15), NOW)
    assert refused.value.params["reason"] == "Travaux"
    assert refused.value.params["closure_start"] == "2026-06-01T12:00:00+02:00"


def test_inside_opening_hours_for_the_whole_range():
    s = settings(opening_hours=HOURS)  # 2026-06-01 is a Monday
    rules.check_booking(s, at("2026-06-01", 9), at("2026-06-01", 12), NOW)
    rules.check_booking(s, at("2026-06-01", 14), at("2026-06-01", 18), NOW)
    for start, end in [
        (at("2026-06-01", 11), at("2026-06-01", 14, 15)),  # over lunch
        (at("2026-06-01", 8, 45), at("2026-06-01", 9, 15)),  # before opening
        (at("2026-06-01", 17, 45), at("2026-06-01", 18, 15)),  # after closing
        (at("2026-06-06", 10), at("2026-06-06", 11)),  # Saturday
    ]:
        with pytest.raises(OutsideOpeningHours) as refused:
            rules.check_booking(s, start, end, NOW)
        assert refused.value.params == {"opening_hours": HOURS, "timezone": "Europe/Paris"}


def test_opening_hours_are_local_wall_times_on_dst_days():
    s = settings(opening_hours="Mo-Su 09:00-12:00")
    for day in ("2026-03-29", "2026-10-25"):
        rules.check_booking(s, at(day, 9), at(day, 12), NOW)
        with pytest.raises(OutsideOpeningHours):
            rules.check_booking(s, at(day, 8), at(day, 9), NOW)
    # 09:00 in Paris is 08:00 UTC before the spring change, 07:00 after
    assert at("2026-03-29", 9).astimezone(UTC).hour == 7


def test_open_all_night_across_the_autumn_change():
    s = settings(opening_hours="24/7")
    rules.check_booking(s, at("2026-10-25", 1), at("2026-10-25", 3), NOW)  # three real hours
    s = settings(opening_hours="Mo-Su 00:00-02:30")
    with pytest.raises(OutsideOpeningHours):
        rules.check_booking(s, at("2026-10-25", 2, 0, fold=1), at("2026-10-25", 2, 45, fold=1), NOW)


def test_a_day_unit_needs_the_first_and_last_day_open_not_every_hour():
    s = settings(opening_hours=HOURS, unit="day")
    rules.check_booking(s, at("2026-06-01", 0), at("2026-06-02", 0), NOW)  # Monday, used 9–18
    rules.check_booking(s, at("2026-06-01", 0), at("2026-06-09", 0), NOW)  # over a weekend
    with pytest.raises(OutsideOpeningHours):
        rules.check_booking(s, at("2026-06-06", 0), at("2026-06-08", 0), NOW)  # from Saturday


def test_half_days_are_mornings_and_afternoons_of_open_days():
    s = settings(opening_hours="Mo-Fr 09:00-12:00", unit="half_day")
    rules.check_booking(s, at("2026-06-01", 0), at("2026-06-01", 12), NOW)
    with pytest.raises(OutsideOpeningHours):  # closed in the afternoon
        rules.check_booking(s, at("2026-06-01", 12), at("2026-06-02", 0), NOW)


# --- cancellation deadline ---------------------------------------------------------------------
def test_the_owner_cancels_until_the_deadline_staff_after():
    s = settings(cancellation_deadline_hours=24)
    start = NOW + timedelta(hours=30)
    rules.check_cancellation(s, start, start - timedelta(hours=24), by_owner=True)
    late = start - timedelta(hours=23)
    with pytest.raises(CancellationDeadlinePassed) as refused:
        rules.check_cancellation(s, start, late, by_owner=True)
    assert refused.value.params["deadline_hours"] == 24
    assert refused.value.status == 409
    rules.check_cancellation(s, start, late, by_owner=False)
    rules.check_cancellation(settings(), start, start - timedelta(minutes=1), by_owner=True)
