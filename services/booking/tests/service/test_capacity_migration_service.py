"""A booking service started over earlier versions' ``slot_loads`` moves them before it
answers: a booking over seats they hold is still refused (real RabbitMQ and SecantusDB)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nameko.exceptions import RemoteError

from services.booking.models import CapacityDay, KnownPlace, SlotLoad
from services.booking.rules import slots
from services.booking.service import BookingService
from tests.support import error_code


def at(hours: float) -> datetime:
    base = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    return base + timedelta(days=4, hours=hours)


def request(resource_id: str, start: float, end: float) -> dict:
    return {"resource_id": resource_id, "start": at(start).isoformat(), "end": at(end).isoformat()}


def test_a_service_started_over_earlier_loads_still_refuses_a_full_resource(
    start_service, manager, member
):
    first = start_service(BookingService)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    office = {"name": "Bureau", "kind": "office", "seats": 1}
    resource = manager.booking.create_resource("place-1", office, uuid.uuid4().hex)
    first.stop()
    # What a version before the day documents left: 08:00–10:00 taken by one booking.
    for slot in slots(at(0), at(2)):
        SlotLoad(
            id=f"{resource['id']}:{slot.strftime('%Y-%m-%dT%H:%M')}",
            resource_id=resource["id"],
            slot=slot,
            taken=1,
            holds=[{"booking_id": "booked-before", "seats": 1}],
        ).save()

    start_service(BookingService)
    assert SlotLoad.objects.count() == 0
    assert CapacityDay.objects(resource_id=resource["id"]).count() == 1
    with pytest.raises(RemoteError) as refusal:
        member.booking.create_booking(request(resource["id"], 1.5, 3), uuid.uuid4().hex)
    assert error_code(refusal.value) == "no_seat_left"
    assert member.booking.create_booking(request(resource["id"], 2, 3), uuid.uuid4().hex)
