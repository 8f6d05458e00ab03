"""A booking service started over earlier versions' documents brings them up to date before it
answers (real RabbitMQ and SecantusDB): ``slot_loads`` are moved, so a booking over seats they
hold is still refused; bookings made before the funders' figures get their month keys, so the
figures count them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nameko.exceptions import RemoteError

from services.booking import upgrades
from services.booking.models import Booking, CapacityDay, KnownPlace, SlotLoad
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


def test_a_service_started_over_bookings_made_before_the_figures_counts_them(
    start_service, manager, member
):
    first = start_service(BookingService)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    office = {"name": "Bureau", "kind": "office", "seats": 1}
    resource = manager.booking.create_resource("place-1", office, uuid.uuid4().hex)
    booked = member.booking.create_booking(request(resource["id"], 1, 3), uuid.uuid4().hex)
    first.stop()
    # What a version before the figures left: a booking without its month keys, and no
    # marker of the backfill (this test's first start of the service wrote one).
    Booking._get_collection().update_many({}, {"$unset": {"month_keys": ""}})
    Booking._get_db()[upgrades.MARKERS].delete_many({})
    month = at(1).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    assert not Booking.objects(id=booked["id"]).first().month_keys

    start_service(BookingService)
    [stored] = Booking.objects(id=booked["id"])
    assert month in stored.month_keys and f"{month}:place-1" in stored.month_keys
    figures = manager.booking.place_figures("place-1", month)
    assert figures["bookings"] == 1 and figures["hours_booked"] == 2
