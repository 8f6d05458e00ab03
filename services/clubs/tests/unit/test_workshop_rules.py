"""Workshops' pure rules (services/clubs/rules/workshops.py) and the demo week's date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.clubs.rules import workshops as rules
from tools.demo import event_week

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_a_minimum_waits_for_its_deadline_and_none_takes_place_at_once():
    assert rules.initial_status(0) == "confirmed"
    assert rules.initial_status(3) == "scheduled"


def test_answers_are_taken_until_the_start_and_never_once_cancelled():
    later = NOW + timedelta(hours=1)
    assert rules.open_to_answers("scheduled", later, NOW)
    assert rules.open_to_answers("confirmed", later, NOW)
    assert not rules.open_to_answers("confirmed", NOW, NOW)  # started
    assert not rules.open_to_answers("cancelled", later, NOW)


def test_the_deadline_confirms_at_the_minimum_exactly():
    assert rules.deadline_outcome(3, 3) == "confirmed"
    assert rules.deadline_outcome(2, 3) == "cancelled"


def test_a_position_counts_who_came_before_ties_by_id():
    t = NOW
    line = [(t, "b"), (t, "a"), (t + timedelta(seconds=1), "c")]
    assert rules.position(line, (t, "a")) == 1
    assert rules.position(line, (t, "b")) == 2
    assert rules.position(line, (t + timedelta(seconds=1), "c")) == 3


def test_attendance_counts_the_confirmed_participants():
    assert rules.attendance_counts([True, False, True]) == {
        "registered": 3,
        "present": 2,
        "absent": 1,
    }


def test_the_participants_csv_lists_seats_first_and_defuses_formulas():
    rows = [
        {"name": "Zoé", "email": "z@x", "status": "waitlisted", "created_at": "2026-11-02"},
        {"name": "=HYPERLINK(1)", "email": "a@x", "status": "confirmed", "created_at": "2026-11-03",
         "attended": True},
    ]  # fmt: skip
    lines = rules.participants_csv(rows).splitlines()
    assert lines[0] == "name;email;status;registered_at;present"
    assert lines[1] == "'=HYPERLINK(1);a@x;confirmed;2026-11-03;yes"
    assert lines[2] == "Zoé;z@x;waitlisted;2026-11-02;"


def test_the_demo_week_starts_on_a_monday_at_least_two_weeks_ahead():
    monday = event_week(NOW)
    assert monday.weekday() == 0
    assert timedelta(days=14) <= monday - NOW.date() < timedelta(days=21)


def test_new_times_come_later_and_after_a_deadline_still_waiting():
    from contracts.booking import StartInPast
    from contracts.errors import ValidationFailed

    now = datetime(2030, 5, 1, 9, tzinfo=UTC)
    rules.check_new_times(now + timedelta(days=1), None, now)  # to come: fine
    rules.check_new_times(now + timedelta(days=1), now + timedelta(hours=1), now)
    with pytest.raises(StartInPast):
        rules.check_new_times(now, None, now)
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_times(now + timedelta(hours=1), now + timedelta(hours=2), now)
    assert caught.value.params["field"] == "start"
