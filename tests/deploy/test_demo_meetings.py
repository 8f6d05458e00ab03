"""The demo clubs' meetings (deploy/demo/clubs/verdon.json): what tools/demo.py posts is a
valid series, and Riez's three clubs share its meeting room without a clash, each within
the room's free hours of a month."""

from __future__ import annotations

from datetime import date

from contracts.booking import DEFAULT_CLUB_HOURS_PER_MONTH
from contracts.clubs import MeetingSeriesIn
from services.clubs.rules.recurrence import dates
from tools.demo import demo_clubs
from tools.profiles import load_profile


def test_riez_clubs_meet_monthly_on_thursday_mornings_without_a_clash():
    clubs = demo_clubs(load_profile("verdon"))
    assert {c["key"] for c in clubs} == {"hotes", "wordpress", "transition"}
    taken: dict[tuple, str] = {}
    for club in clubs:
        series = MeetingSeriesIn.model_validate({**club["meetings"], "first_date": "2026-12-01"})
        found = dates(
            series.rule, series.first_date, series.start_time, series.end_time,
            series.timezone, date(2026, 12, 1), date(2027, 11, 30),
        )  # fmt: skip
        assert len(found) == 12  # a year of monthly meetings
        assert {o.start.strftime("%a %H:%M") for o in found} == {"Thu 09:00"}
        hours = series.end_time.hour - series.start_time.hour
        assert hours <= DEFAULT_CLUB_HOURS_PER_MONTH
        for o in found:
            assert o.start not in taken, (club["key"], taken.get(o.start))
            taken[o.start] = club["key"]
