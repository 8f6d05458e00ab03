"""Booking's answers about a meeting's room (room_answers.py), against mongomock: kept for
the meeting's current request only, once; a refusal tells the president (its event)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.clubs import room_answers
from services.clubs.models import ALIAS, Club, Meeting
from tests.support import RecordingStager, mongomock_alias


@pytest.fixture(autouse=True)
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


@pytest.fixture
def meeting() -> Meeting:
    club = Club(name="Club des hôtes", place_id="p1", president_id="m-odile")
    club.save()
    found = Meeting(
        id="s1:2030-05-02", club_id=str(club.id), series_id="s1", place_id="p1",
        title="Réunion", start=datetime(2030, 5, 2, 7, tzinfo=UTC),
        end=datetime(2030, 5, 2, 10, tzinfo=UTC), sequence=2,
    )  # fmt: skip
    found.save()
    return found


def answer(kind: str, sequence: int, **data) -> dict:
    base = {"for_type": "meeting", "for_id": "s1:2030-05-02", "club_id": "c", "place_id": "p1",
            "sequence": sequence, "start": "2030-05-02T09:00:00+02:00",
            "end": "2030-05-02T12:00:00+02:00"}  # fmt: skip
    return {"type": kind, "data": {**base, **data}}


def test_an_answer_to_an_older_request_is_ignored(meeting):
    events = RecordingStager("clubs")
    assert not room_answers.record(answer("room_reserved", 1, booking_id="b1"), events)
    assert Meeting.objects.first().room_state == "requested"


def test_a_refusal_is_kept_once_and_tells_the_president(meeting):
    events = RecordingStager("clubs")
    refused = answer("room_refused", 2, reason="room_taken")
    assert room_answers.record(refused, events)
    assert not room_answers.record(refused, events)  # the same answer again
    kept = Meeting.objects.first()
    assert (kept.room_state, kept.room["reason"]) == ("refused", "room_taken")
    (told,) = kept.outbox
    assert told["type"] == "meeting_room_refused"
    assert (
        told["data"]["president_id"] == "m-odile" and told["data"]["club_name"] == "Club des hôtes"
    )


def test_a_workshops_answer_is_not_a_meetings(meeting):
    events = RecordingStager("clubs")
    other = answer("room_reserved", 2, booking_id="b1")
    other["data"]["for_type"] = "workshop"
    assert not room_answers.record(other, events)


def test_a_workshops_answer_is_kept_for_its_current_times_only():
    from bson import ObjectId

    from services.clubs import workshops
    from services.clubs.workshop_models import Workshop

    moved = Workshop(
        id=ObjectId(), title="Atelier", place_id="p1", capacity=5, sequence=1,
        start=datetime(2030, 5, 2, 12, tzinfo=UTC), end=datetime(2030, 5, 2, 13, tzinfo=UTC),
    )  # fmt: skip
    moved.save()
    about = {"for_type": "workshop", "for_id": str(moved.id), "place_id": "p1"}
    stale = {"type": "room_reserved", "data": {**about, "sequence": 0, "booking_id": "b-old"}}
    workshops.record_room_answer(stale)  # the answer to its times before the move
    assert Workshop.objects.first().room == {"status": "requested"}
    current = {"type": "room_reserved", "data": {**about, "sequence": 1, "booking_id": "b-new"}}
    workshops.record_room_answer(current)
    assert Workshop.objects.first().room["booking_id"] == "b-new"
