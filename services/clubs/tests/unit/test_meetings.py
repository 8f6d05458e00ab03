"""A club's meetings (meetings.py) against mongomock: a series written a year ahead once per
key, extended by the timer without writing an occurrence twice, each occurrence's own event
(the room asked for), a change made once per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.errors import Forbidden
from contracts.identity import Caller
from services.clubs import meetings
from services.clubs.models import ALIAS, Club, Meeting
from tests.support import RecordingStager, mongomock_alias

PRESIDENT = Caller(member_id="m-odile", name="Odile")
NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
SERIES = {
    "title": "Réunion du club",
    "rule": {"freq": "monthly", "weekday": "TH", "nth": [1]},
    "first_date": "2026-11-26",
    "start_time": "09:00",
    "end_time": "12:00",
}


@pytest.fixture(autouse=True)
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


@pytest.fixture
def club() -> str:
    made = Club(name="Club des hôtes", place_id="p1", president_id=PRESIDENT.member_id)
    made.save()
    return str(made.id)


def scheduled() -> list[dict]:
    return [m.outbox[0] for m in Meeting.objects.order_by("start")]


def test_a_series_is_written_a_year_ahead_once_then_extended_by_the_timer(club):
    events = RecordingStager("clubs")
    made = meetings.create_series(club, SERIES, "k1", events, PRESIDENT, now=NOW)
    assert made["scheduled_until"] == "2027-11-26"
    assert [m["start"][:10] for m in made["occurrences"]][:2] == ["2026-12-03", "2027-01-07"]
    assert len(made["occurrences"]) == 12
    again = meetings.create_series(club, SERIES, "k1", events, PRESIDENT, now=NOW)
    assert again["id"] == made["id"] and Meeting.objects.count() == 12
    first = scheduled()[0]
    assert first["type"] == "meeting_scheduled" and first["data"]["sequence"] == 1
    assert (
        first["data"]["start"] == "2026-12-03T09:00:00+01:00" and first["data"]["place_id"] == "p1"
    )
    # Forty days on, the timer writes the next month's, and nothing twice.
    assert meetings.extend(NOW + timedelta(days=40), events) == 1
    assert meetings.extend(NOW + timedelta(days=40), events) == 0
    assert Meeting.objects.count() == 13


def test_a_series_begun_earlier_writes_no_past_meeting(club):
    events = RecordingStager("clubs")
    made = meetings.create_series(
        club, {**SERIES, "first_date": "2026-01-01"}, "k0", events, PRESIDENT, now=NOW
    )
    assert made["occurrences"][0]["start"][:10] == "2026-12-03"
    assert min(m.start for m in Meeting.objects) > NOW


def test_a_series_with_an_end_stops_there_and_the_timer_leaves_it(club):
    events = RecordingStager("clubs")
    made = meetings.create_series(
        club, {**SERIES, "until": "2027-03-01"}, "k2", events, PRESIDENT, now=NOW
    )
    assert len(made["occurrences"]) == 3
    assert meetings.extend(NOW + timedelta(days=400), events) == 0


def test_a_change_is_made_once_per_key_and_only_by_who_runs_the_club(club):
    events = RecordingStager("clubs")
    made = meetings.create_series(club, SERIES, "k3", events, PRESIDENT, now=NOW)
    one = made["occurrences"][0]["id"]
    move = {"start": "2026-12-10T14:00:00+01:00", "end": "2026-12-10T16:00:00+01:00"}
    moved = meetings.update(club, one, move, "m1", events, PRESIDENT, now=NOW)
    assert moved["moved"] and moved["start"] == "2026-12-10T14:00:00+01:00"
    meetings.update(club, one, move, "m1", events, PRESIDENT, now=NOW)  # a retry
    stored = Meeting.objects(id=one).first()
    assert stored.sequence == 2 and [e["type"] for e in stored.outbox] == [
        "meeting_scheduled",
        "meeting_moved",
    ]
    with pytest.raises(Forbidden):
        meetings.update(club, one, {"agenda": "x"}, "a1", events, Caller(member_id="m-x"), now=NOW)
