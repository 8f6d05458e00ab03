"""A series' dates (rules/recurrence.py): expanded in the resource's time zone, so that
9:00–12:00 stays 9:00–12:00 local across the DST changes (2026-03-29 and 2026-10-25)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as dateutil_rrule
from pydantic import ValidationError

from contracts.booking import (
    MAX_OCCURRENCES,
    NoOccurrence,
    Recurrence,
    TooManyOccurrences,
)
from services.booking.rules.recurrence import occurrences, rrule_text

PARIS = ZoneInfo("Europe/Paris")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def walls(dates) -> list[tuple[str, str, str]]:
    """Each date as (day, local start, local end) wall-clock text."""
    return [(s.date().isoformat(), s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in dates]


def test_weekly_keeps_local_hours_across_the_spring_change():
    rule = Recurrence(freq="weekly", weekdays=["TU", "TH"], count=4)
    dates = occurrences(local(2026, 3, 24, 9), local(2026, 3, 24, 12), rule, "Europe/Paris")
    assert walls(dates) == [
        ("2026-03-24", "09:00", "12:00"),
        ("2026-03-26", "09:00", "12:00"),
        ("2026-03-31", "09:00", "12:00"),
        ("2026-04-02", "09:00", "12:00"),
    ]
    # In UTC the hour moves: 8:00 in winter (+01:00), 7:00 in summer (+02:00).
    assert [s.astimezone(UTC).hour for s, _ in dates] == [8, 8, 7, 7]


def test_weekly_keeps_local_hours_across_the_autumn_change():
    rule = Recurrence(freq="weekly", weekdays=["MO"], until=date(2026, 11, 2))
    # Asked with a UTC start: the local time (9:00 in summer) is what repeats.
    dates = occurrences(
        datetime(2026, 10, 19, 7, tzinfo=UTC),
        datetime(2026, 10, 19, 10, tzinfo=UTC),
        rule,
        "Europe/Paris",
    )
    assert walls(dates) == [
        ("2026-10-19", "09:00", "12:00"),
        ("2026-10-26", "09:00", "12:00"),
        ("2026-11-02", "09:00", "12:00"),
    ]
    assert [s.astimezone(UTC).hour for s, _ in dates] == [7, 8, 8]


def test_a_day_booked_across_the_change_stays_midnight_to_midnight():
    rule = Recurrence(freq="weekly", count=2)  # the start's weekday: Sunday
    dates = occurrences(local(2026, 3, 22), local(2026, 3, 23), rule, "Europe/Paris")
    assert walls(dates) == [("2026-03-22", "00:00", "00:00"), ("2026-03-29", "00:00", "00:00")]
    # The second is 23 hours long: Sunday the 29th loses one at 2:00 (in UTC:
    # Python subtracts two datetimes of one zone by wall time).
    hours = [(e.astimezone(UTC) - s.astimezone(UTC)).total_seconds() / 3600 for s, e in dates]
    assert hours == [24.0, 23.0]


def test_second_and_fourth_wednesday_and_the_last():
    rule = Recurrence(freq="monthly", weekday="WE", nth=[2, 4], until=date(2026, 6, 30))
    dates = occurrences(local(2026, 4, 1, 14), local(2026, 4, 1, 16), rule, "Europe/Paris")
    assert [s.date().isoformat() for s, _ in dates] == [
        "2026-04-08",
        "2026-04-22",
        "2026-05-13",
        "2026-05-27",
        "2026-06-10",
        "2026-06-24",
    ]
    last = Recurrence(freq="monthly", weekday="FR", nth=[-1], count=3)
    dates = occurrences(local(2026, 1, 1, 18), local(2026, 1, 1, 20), last, "Europe/Paris")
    assert [s.date().isoformat() for s, _ in dates] == ["2026-01-30", "2026-02-27", "2026-03-27"]


def test_every_other_week():
    rule = Recurrence(freq="weekly", weekdays=["FR"], interval=2, count=3)
    dates = occurrences(local(2026, 5, 1, 9), local(2026, 5, 1, 10), rule, "Europe/Paris")
    assert [s.date().isoformat() for s, _ in dates] == ["2026-05-01", "2026-05-15", "2026-05-29"]


def test_bounds():
    daily = Recurrence(
        freq="weekly", weekdays=list(["MO", "TU", "WE", "TH", "FR"]), until=date(2027, 6, 1)
    )
    with pytest.raises(TooManyOccurrences) as caught:
        occurrences(local(2026, 5, 4, 9), local(2026, 5, 4, 10), daily, "Europe/Paris")
    assert caught.value.params["max_occurrences"] == MAX_OCCURRENCES
    most = Recurrence(freq="weekly", count=MAX_OCCURRENCES)
    assert len(occurrences(local(2026, 5, 4, 9), local(2026, 5, 4, 10), most, "Europe/Paris")) == 52
    past = Recurrence(freq="weekly", weekdays=["MO"], until=date(2026, 5, 1))
    with pytest.raises(NoOccurrence):
        occurrences(local(2026, 5, 4, 9), local(2026, 5, 4, 10), past, "Europe/Paris")


@pytest.mark.parametrize(
    "body",
    [
        {"freq": "weekly", "weekdays": ["TU"]},  # unbounded
        {"freq": "weekly", "weekdays": ["TU"], "count": 2, "until": "2026-06-01"},
        {"freq": "weekly", "count": MAX_OCCURRENCES + 1},
        {"freq": "monthly", "weekday": "WE", "count": 2},  # no nth
        {"freq": "monthly", "weekday": "WE", "nth": [0], "count": 2},
        {"freq": "weekly", "weekday": "WE", "nth": [2], "count": 2},
        {"freq": "weekly", "weekdays": ["XX"], "count": 2},
        {"freq": "daily", "count": 2},
    ],
)
def test_incoherent_rules_are_refused(body):
    with pytest.raises(ValidationError):
        Recurrence.model_validate(body)


@pytest.mark.parametrize(
    "rule, start",
    [
        (
            Recurrence(freq="weekly", weekdays=["TU", "TH"], until=date(2026, 11, 5)),
            local(2026, 10, 1, 9),
        ),
        (Recurrence(freq="monthly", weekday="WE", nth=[2, -1], count=6), local(2026, 2, 1, 14)),
    ],
)
def test_the_rrule_text_gives_the_same_dates(rule, start):
    """What the .ics carries, read back by dateutil from the first date, is the series."""
    dates = occurrences(start, start.replace(hour=start.hour + 2), rule, "Europe/Paris")
    first = dates[0][0]
    text = rrule_text(rule, first, "Europe/Paris")
    if rule.until:  # RFC 5545: UNTIL in UTC with a zoned DTSTART
        assert "UNTIL=20261105T225959Z" in text
    read = dateutil_rrule.rrulestr(text, dtstart=first)
    assert list(read) == [s for s, _ in dates]
