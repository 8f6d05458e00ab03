"""A meeting series' dates (rules/recurrence.py) and what may happen to a meeting
(rules/meetings.py): pure functions. Paris changes hour on 2026-03-29 and 2026-10-25: a
meeting at 9:00 stays at 9:00 local, its UTC time moves by an hour."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from contracts.booking import StartInPast
from contracts.clubs import (
    MeetingCancelled,
    MeetingPatch,
    MeetingRule,
    MeetingSeriesIn,
    MeetingStarted,
)
from services.clubs.rules import meetings as rules
from services.clubs.rules.recurrence import dates, horizon, rrule_text

FIRST_THURSDAY = MeetingRule(freq="monthly", weekday="TH", nth=[1])


def monthly(since: date, until: date, rule: MeetingRule = FIRST_THURSDAY):
    return dates(rule, date(2026, 1, 1), time(9), time(12), "Europe/Paris", since, until)


def test_first_thursday_of_each_month_at_nine_local_on_both_sides_of_dst():
    found = monthly(date(2026, 1, 1), date(2026, 12, 31))
    assert [o.day.isoformat() for o in found] == [
        "2026-01-01", "2026-02-05", "2026-03-05", "2026-04-02", "2026-05-07", "2026-06-04",
        "2026-07-02", "2026-08-06", "2026-09-03", "2026-10-01", "2026-11-05", "2026-12-03",
    ]  # fmt: skip
    assert {(o.start.strftime("%H:%M"), o.end.strftime("%H:%M")) for o in found} == {
        ("09:00", "12:00")
    }
    # Winter: 08:00 UTC; summer (April to October): 07:00 UTC.
    utc_hours = {o.day.month: o.start.astimezone(UTC).hour for o in found}
    assert utc_hours[3] == 8 and utc_hours[4] == 7 and utc_hours[10] == 7 and utc_hours[11] == 8
    assert all(o.end - o.start == timedelta(hours=3) for o in found)


def test_weekly_across_the_autumn_change_keeps_the_wall_clock():
    rule = MeetingRule(freq="weekly", weekdays=["TH"])
    found = dates(
        rule, date(2026, 10, 15), time(18, 30), time(20), "Europe/Paris",
        date(2026, 10, 15), date(2026, 11, 5),
    )  # fmt: skip
    assert [(o.day.isoformat(), o.start.strftime("%H:%M")) for o in found] == [
        ("2026-10-15", "18:30"), ("2026-10-22", "18:30"), ("2026-10-29", "18:30"),
        ("2026-11-05", "18:30"),
    ]  # fmt: skip
    assert [o.start.astimezone(UTC).hour for o in found] == [16, 16, 17, 17]


def test_dates_are_cut_to_the_window_asked_and_the_series_starts_at_its_first_date():
    assert [o.day.isoformat() for o in monthly(date(2026, 5, 8), date(2026, 7, 2))] == [
        "2026-06-04",
        "2026-07-02",
    ]
    assert monthly(date(2026, 5, 8), date(2026, 5, 31)) == []
    assert monthly(date(2026, 2, 1), date(2026, 1, 1)) == []


def test_last_friday_and_every_other_week():
    last = MeetingRule(freq="monthly", weekday="FR", nth=[-1])
    assert [o.day.isoformat() for o in monthly(date(2026, 1, 1), date(2026, 3, 31), last)] == [
        "2026-01-30",
        "2026-02-27",
        "2026-03-27",
    ]
    fortnight = MeetingRule(freq="weekly", interval=2)  # the first date's weekday (Thursday)
    assert [o.day.day for o in monthly(date(2026, 1, 1), date(2026, 1, 31), fortnight)] == [
        1,
        15,
        29,
    ]


def test_rrule_text_is_what_a_calendar_reads():
    assert rrule_text(FIRST_THURSDAY, date(2026, 1, 1), time(9), None, "Europe/Paris") == (
        "FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH"
    )
    # UNTIL: the end of that local day, in UTC (summer: UTC+2).
    assert rrule_text(
        FIRST_THURSDAY, date(2026, 1, 1), time(9), date(2026, 6, 30), "Europe/Paris"
    ) == ("FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH;UNTIL=20260630T215959Z")


def test_horizon_is_a_year_ahead():
    assert horizon(date(2026, 11, 26), 365) == date(2027, 11, 26)


@pytest.mark.parametrize(
    "rule",
    [
        {"freq": "monthly", "weekday": "TH"},  # which Thursday?
        {"freq": "monthly", "nth": [1]},
        {"freq": "monthly", "weekday": "TH", "nth": [0]},
        {"freq": "weekly", "weekday": "TH", "nth": [1]},
        {"freq": "daily"},
    ],
)
def test_incoherent_rules_are_refused(rule):
    with pytest.raises(ValidationError):
        MeetingRule.model_validate(rule)


def test_a_series_ends_after_it_starts_and_a_patch_says_what_it_changes():
    base = {"title": "Réunion", "rule": {"freq": "weekly"}, "first_date": "2026-12-03"}
    with pytest.raises(ValidationError):
        MeetingSeriesIn.model_validate({**base, "start_time": "12:00", "end_time": "09:00"})
    with pytest.raises(ValidationError):
        MeetingSeriesIn.model_validate(
            {**base, "start_time": "09:00", "end_time": "12:00", "until": "2026-11-01"}
        )
    with pytest.raises(ValidationError):
        MeetingSeriesIn.model_validate(
            {**base, "start_time": "09:00", "end_time": "12:00", "timezone": "Mars/Olympus"}
        )
    with pytest.raises(ValidationError):
        MeetingPatch.model_validate({})
    with pytest.raises(ValidationError):
        MeetingPatch.model_validate({"start": "2026-12-03T10:00:00+01:00"})
    with pytest.raises(ValidationError):
        MeetingPatch.model_validate(
            {
                "status": "cancelled",
                "start": "2026-12-03T10:00:00+01:00",
                "end": "2026-12-03T12:00:00+01:00",
            }
        )
    assert MeetingPatch.model_validate({"agenda": ""}).agenda == ""


def test_a_meeting_is_changed_while_scheduled_and_not_begun():
    now = datetime(2026, 12, 3, 8, tzinfo=UTC)
    rules.check_changeable("scheduled", now + timedelta(minutes=1), now, "m")
    with pytest.raises(MeetingStarted):
        rules.check_changeable("scheduled", now, now, "m")
    with pytest.raises(MeetingCancelled):
        rules.check_changeable("cancelled", now + timedelta(days=1), now, "m")
    rules.check_new_time(now + timedelta(hours=1), now)
    with pytest.raises(StartInPast):
        rules.check_new_time(now - timedelta(hours=1), now)


def test_booking_answers_become_the_room_state():
    assert rules.room_after_answer(
        "room_reserved", {"booking_id": "b1", "resource_name": "Salle"}
    ) == (
        "reserved",
        {"booking_id": "b1", "resource_name": "Salle"},
    )
    state, details = rules.room_after_answer(
        "room_refused", {"reason": "allowance_exceeded", "hours_per_month": 4, "hours_used": 3.0}
    )
    assert state == "refused" and details["reason"] == "allowance_exceeded"
    assert rules.room_after_answer("room_released", {"booking_id": "b1"})[0] == "released"
    assert rules.initial_room_state(True) == "requested"
    assert rules.initial_room_state(False) == "none"
