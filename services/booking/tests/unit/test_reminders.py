"""The reminder's moment (wall-clock hours before the start, in the resource's time zone),
when none is recorded, the hour buckets the sweep reads, and when a recorded one is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.booking import ResourcePatch, ResourceSettings
from services.booking.rules import reminders

PARIS = "Europe/Paris"
EMAIL = "marceline@example.org"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_day_before_the_autumn_change_is_the_same_either_way():
    # 09:00 CET on Monday 26 October 2026 (08:00 UTC); the clocks went back early on the 25th.
    start = datetime.fromisoformat("2026-10-26T09:00:00+01:00")
    moment = reminders.reminder_moment(start, 24, PARIS)
    assert moment == utc(2026, 10, 25, 8)  # 09:00 CET on the 25th, also 24 real hours before
    assert moment == start - timedelta(hours=24)


def test_across_the_autumn_change_the_reminder_keeps_the_wall_clock_hour():
    # 09:00 CET on Sunday 25 October: the day before at 09:00 was still summer time (CEST),
    # 25 real hours earlier; 24 real hours would have said 10:00 on the 24th.
    start = datetime.fromisoformat("2026-10-25T09:00:00+01:00")
    moment = reminders.reminder_moment(start, 24, PARIS)
    assert moment == utc(2026, 10, 24, 7)
    assert moment.astimezone(start.tzinfo).hour == 8  # 09:00 CEST, shown in CET
    assert start - moment == timedelta(hours=25)


def test_across_the_spring_change_the_reminder_keeps_the_wall_clock_hour():
    # 09:00 CEST on Sunday 29 March 2026, the clocks went forward that night.
    start = datetime.fromisoformat("2026-03-29T09:00:00+02:00")
    moment = reminders.reminder_moment(start, 24, PARIS)
    assert moment == utc(2026, 3, 28, 8)  # 09:00 CET on the 28th: 23 real hours before
    assert start - moment == timedelta(hours=23)


def test_a_wall_time_skipped_in_spring_is_read_after_the_jump():
    # 02:30 on 29 March 2026 does not exist in Paris (02:00 → 03:00): 03:30 CEST.
    start = datetime.fromisoformat("2026-03-30T02:30:00+02:00")
    assert reminders.reminder_moment(start, 24, PARIS) == utc(2026, 3, 29, 1, 30)


def test_hours_other_than_days_and_another_time_zone():
    start = utc(2026, 12, 1, 14)  # 09:00 in New York
    assert reminders.reminder_moment(start, 2, "America/New_York") == utc(2026, 12, 1, 12)
    assert reminders.reminder_moment(start, 48, PARIS) == utc(2026, 11, 29, 14)


def test_a_naive_stored_start_reads_as_utc():
    assert reminders.reminder_moment(datetime(2026, 12, 1, 8), 24, PARIS) == utc(2026, 11, 30, 8)


@pytest.mark.parametrize("hours", [None, 0])
def test_no_reminder_when_the_resource_sends_none(hours):
    assert reminders.reminder_moment(utc(2026, 12, 1, 8), hours, PARIS) is None
    assert reminders.schedule(utc(2026, 12, 1, 8), hours, PARIS, utc(2026, 11, 1), EMAIL) is None


def test_schedule_records_the_moment_of_a_booking_made_before_it():
    now = utc(2026, 11, 26, 8)
    assert reminders.schedule(utc(2026, 11, 27, 9), 24, PARIS, now, EMAIL) == utc(2026, 11, 26, 9)
    assert reminders.schedule(utc(2026, 11, 28, 9), 24, PARIS, now, EMAIL) == utc(2026, 11, 27, 9)


def test_a_booking_made_after_its_reminder_moment_gets_none():
    # 10:00 (Paris) tomorrow, booked at 11:00 (Paris) today: they have just been told.
    start = datetime.fromisoformat("2026-11-27T10:00:00+01:00")
    booked = datetime.fromisoformat("2026-11-26T11:00:00+01:00")
    assert reminders.schedule(start, 24, PARIS, booked, EMAIL) is None
    # one hour before its moment, it gets one
    early = booked - timedelta(hours=2)
    assert reminders.schedule(start, 24, PARIS, early, EMAIL) == utc(2026, 11, 26, 9)


def test_no_reminder_without_an_email():
    now = utc(2026, 11, 1)
    assert reminders.schedule(utc(2026, 12, 1, 8), 24, PARIS, now, None) is None
    assert reminders.schedule(utc(2026, 12, 1, 8), 24, PARIS, now, "") is None


def test_the_bucket_is_the_utc_hour():
    moment = datetime.fromisoformat("2026-11-27T10:59:59+01:00")
    assert reminders.bucket(moment) == "2026-11-27T09"


def test_a_sweep_reads_the_current_hour_and_the_lookback_hours():
    now = utc(2026, 11, 27, 0, 30)
    assert reminders.buckets(now, 3) == [
        "2026-11-26T21",
        "2026-11-26T22",
        "2026-11-26T23",
        "2026-11-27T00",
    ]
    assert reminders.buckets(now, 0) == ["2026-11-27T00"]


def test_a_reminder_is_due_from_its_moment_until_the_start():
    moment, start = utc(2026, 11, 26, 9), utc(2026, 11, 27, 9)
    assert not reminders.is_due(moment, start, moment - timedelta(seconds=1))
    assert reminders.is_due(moment, start, moment)
    assert reminders.is_due(datetime(2026, 11, 26, 9), datetime(2026, 11, 27, 9), moment)
    assert not reminders.is_due(moment, start, start)
    assert not reminders.is_due(None, start, moment)


def test_the_setting_defaults_to_24_hours_and_may_be_turned_off():
    assert ResourceSettings().reminder_hours_before == 24
    assert ResourceSettings(reminder_hours_before=None).reminder_hours_before is None
    assert ResourcePatch(reminder_hours_before=0).model_dump(exclude_unset=True) == {
        "reminder_hours_before": 0
    }
    with pytest.raises(ValueError):
        ResourceSettings(reminder_hours_before=-1)
