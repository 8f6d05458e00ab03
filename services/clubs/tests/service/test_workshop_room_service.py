"""A workshop's room follows its times, with booking running (real RabbitMQ vhost and
SecantusDB): moved, the workshop asks again (``workshop_scheduled`` with the next
``sequence``), booking holds the room at the new times and gives the old ones back."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.booking.models import Booking, KnownPlace
from services.booking.service import BookingService
from services.clubs.service import ClubsService
from services.common.tests.callers import MANAGER, VERONIQUE
from tests.support import wait_until

PARIS = ZoneInfo("Europe/Paris")


def next_thursday_at(hour: int) -> str:
    day = datetime.now(PARIS).date() + timedelta(days=3)
    while day.weekday() != 3:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).isoformat()


@pytest.fixture
def platform(start_service):
    start_service(BookingService)
    start_service(ClubsService)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")


def reserved_at(manager, workshop_id: str, sequence_start: str) -> dict:
    """The workshop once booking reserved its room for the given start (a positive signal)."""

    def answered():
        found = manager.clubs.get_workshop(workshop_id)
        done = found["room"]["status"] == "reserved" and found["start"] == sequence_start
        return found if done else None

    return wait_until(answered)


def test_a_workshop_moved_moves_its_room(platform, as_):
    manager, member = as_(MANAGER), as_(VERONIQUE)
    room = manager.booking.create_resource(
        "place-1", {"name": "Salle du lavoir", "kind": "meeting_room", "seats": 1}, "room-w1"
    )
    morning = (next_thursday_at(10), next_thursday_at(11))
    afternoon = (next_thursday_at(14), next_thursday_at(15))
    payload = {"title": "Atelier vélo", "place_id": "place-1", "capacity": 8}
    created = manager.clubs.create_workshop(
        {**payload, "start": morning[0], "end": morning[1]}, "workshop-w1"
    )
    first = reserved_at(manager, created["id"], morning[0])
    first_hold = Booking.objects(id=first["room"]["booking_id"]).first()
    assert first_hold.status == "confirmed"

    moved = manager.clubs.update_workshop(
        created["id"], {"start": afternoon[0], "end": afternoon[1]}, "move-w1"
    )
    assert moved["start"] == afternoon[0] and moved["room"]["status"] == "requested"
    # Retried with its key: nothing more changes (the times are those asked already).
    assert (
        manager.clubs.update_workshop(
            created["id"], {"start": afternoon[0], "end": afternoon[1]}, "move-w1"
        )["start"]
        == afternoon[0]
    )
    second = reserved_at(manager, created["id"], afternoon[0])
    assert second["room"]["booking_id"] != first_hold.id.__str__()
    hold = Booking.objects(id=second["room"]["booking_id"]).first()
    assert hold.status == "confirmed"
    assert hold.start.replace(tzinfo=ZoneInfo("UTC")) == datetime.fromisoformat(afternoon[0])
    # The morning's hold was given back: the room is free then, and taken in the afternoon.
    assert Booking.objects(id=first_hold.id).first().status == "cancelled"
    member.booking.create_booking(
        {"resource_id": room["id"], "start": morning[0], "end": morning[1]}, "b-w1"
    )
