"""A place's meeting room lent to clubs (club_rooms.py), against mongomock: what booking
answers to each clubs event, and that a late or repeated event changes nothing. Events of
different types travel in different queues, so a cancellation may come before the
scheduling it cancels."""

from __future__ import annotations

import pytest

from services.booking import club_rooms
from services.booking.models import ALIAS, Booking, ClubMonth, Resource, RoomRequest
from tests.support import RecordingStager, mongomock_alias

PLACE = "place-1"


@pytest.fixture(autouse=True)
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


@pytest.fixture
def room() -> Resource:
    made = Resource(place_id=PLACE, name="Salle du lavoir", kind="meeting_room", seats=1)
    made.save()
    return made


def meeting(kind: str, start="2030-05-02T09:00:00+02:00", end="2030-05-02T12:00:00+02:00",
            sequence=1, occurrence="s1:2030-05-02", club="c1", **more) -> dict:  # fmt: skip
    data = {"occurrence_id": occurrence, "series_id": "s1", "club_id": club, "place_id": PLACE,
            "title": "Réunion", "start": start, "end": end, "sequence": sequence, "room": True,
            **more}  # fmt: skip
    return {"type": f"meeting_{kind}", "data": data}


def workshop(kind: str, workshop_id: str, start: str, end: str) -> dict:
    data = {"workshop_id": workshop_id, "club_id": None, "place_id": PLACE, "title": "Atelier",
            "start": start, "end": end}  # fmt: skip
    return {"type": f"workshop_{kind}", "data": data}


def answers(events: RecordingStager, request_id: str = "meeting:s1:2030-05-02") -> list[str]:
    found = RoomRequest.objects(id=request_id).first()
    return [e["type"] for e in (found.outbox if found else [])]


def holds() -> list[Booking]:
    return list(Booking.objects(status="confirmed"))


def test_a_meeting_is_given_the_room_once_however_often_it_comes(room):
    events = RecordingStager("booking")
    assert club_rooms.schedule(meeting("scheduled"), events) == "room_reserved"
    club_rooms.schedule(meeting("scheduled"), events)  # the same request again
    (held,) = holds()
    assert held.club_for == "meeting:s1:2030-05-02" and held.seats == 1
    assert ClubMonth.objects.first().minutes == 180
    reserved = RoomRequest.objects.first().outbox[0]["data"]
    assert (
        reserved["booking_id"] == str(held.id) and reserved["start"] == "2030-05-02T09:00:00+02:00"
    )


def test_a_move_gives_the_old_time_and_hours_back_and_a_late_older_request_changes_nothing(room):
    events = RecordingStager("booking")
    club_rooms.schedule(meeting("scheduled"), events)
    moved = meeting("moved", "2030-05-09T14:00:00+02:00", "2030-05-09T16:00:00+02:00", sequence=2,
                    previous_start="x", previous_end="y")  # fmt: skip
    assert club_rooms.schedule(moved, events) == "room_reserved"
    assert club_rooms.schedule(meeting("scheduled"), events) is None  # sequence 1, late
    (held,) = holds()
    assert held.start.hour == 12  # 14:00 in Paris, summer
    assert ClubMonth.objects.first().minutes == 120


def test_a_cancellation_releases_for_good_even_before_its_scheduling_arrives(room):
    events = RecordingStager("booking")
    club_rooms.schedule(meeting("scheduled", occurrence="s1:a"), events)
    assert club_rooms.cancel(meeting("cancelled", occurrence="s1:a", sequence=2), events) == (
        "room_released"
    )
    assert holds() == [] and ClubMonth.objects.first().minutes == 0
    assert answers(events, "meeting:s1:a")[-1] == "room_released"
    # Cancelled before booking ever heard of it: the scheduling, arriving after, holds nothing.
    assert club_rooms.cancel(meeting("cancelled", occurrence="s1:b", sequence=2), events) is None
    assert club_rooms.schedule(meeting("scheduled", occurrence="s1:b"), events) is None
    assert holds() == []


def test_over_the_clubs_free_hours_the_room_is_refused_with_the_figures(room):
    events = RecordingStager("booking")
    club_rooms.schedule(meeting("scheduled"), events)
    afternoon = meeting("scheduled", "2030-05-02T14:00:00+02:00", "2030-05-02T16:00:00+02:00",
                        occurrence="s2:2030-05-02")  # fmt: skip
    assert club_rooms.schedule(afternoon, events) == "room_refused"
    refusal = RoomRequest.objects(id="meeting:s2:2030-05-02").first().outbox[-1]["data"]
    assert (refusal["reason"], refusal["hours_per_month"], refusal["hours_used"]) == (
        "allowance_exceeded",
        4,
        3.0,
    )
    # Another club has its own hours; the next month is a new month.
    other = meeting("scheduled", "2030-05-02T14:00:00+02:00", "2030-05-02T16:00:00+02:00",
                    occurrence="s3:2030-05-02", club="c2")  # fmt: skip
    assert club_rooms.schedule(other, events) == "room_reserved"
    june = meeting("scheduled", "2030-06-06T09:00:00+02:00", "2030-06-06T12:00:00+02:00",
                   occurrence="s1:2030-06-06")  # fmt: skip
    assert club_rooms.schedule(june, events) == "room_reserved"


def test_a_clash_is_refused_and_gives_the_hours_back(room):
    events = RecordingStager("booking")
    club_rooms.schedule(meeting("scheduled", club="c2", occurrence="s9:x"), events)
    assert club_rooms.schedule(meeting("scheduled"), events) == "room_refused"
    refusal = RoomRequest.objects(id="meeting:s1:2030-05-02").first().outbox[-1]["data"]
    assert refusal["reason"] == "room_taken"
    assert ClubMonth.objects(id__contains=":c1:").first().minutes == 0


def test_a_place_without_a_meeting_room_refuses_and_a_places_own_workshop_counts_no_hours(room):
    events = RecordingStager("booking")
    elsewhere = meeting("scheduled")
    elsewhere["data"]["place_id"] = "place-2"
    assert club_rooms.schedule(elsewhere, events) == "room_refused"
    assert RoomRequest.objects.first().outbox[-1]["data"]["reason"] == "no_meeting_room"
    for n, day in enumerate(("03", "10")):
        own = workshop("scheduled", f"w{n}", f"2030-05-{day}T09:00:00+02:00",
                       f"2030-05-{day}T17:00:00+02:00")  # fmt: skip
        assert club_rooms.schedule(own, events) == "room_reserved"
    assert ClubMonth.objects.count() == 0
    first = workshop("cancelled", "w0", "2030-05-03T09:00:00+02:00", "2030-05-03T17:00:00+02:00")
    assert club_rooms.cancel(first, events) == "room_released"


def test_a_workshop_cancelled_stays_cancelled_when_its_scheduling_comes_late(room):
    """Workshops carry no sequence: the cancellation alone says it is final."""
    events = RecordingStager("booking")
    times = ("2030-05-03T09:00:00+02:00", "2030-05-03T12:00:00+02:00")
    assert club_rooms.cancel(workshop("cancelled", "w7", *times), events) is None
    assert club_rooms.schedule(workshop("scheduled", "w7", *times), events) is None
    assert holds() == []
