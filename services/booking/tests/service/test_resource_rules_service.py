"""A resource's booking rules and availability through real RPC (RabbitMQ vhost,
SecantusDB): a manager sets them with ``update_resource`` (``resource_updated`` really
published), booking honours them, ``availability`` reads the seats left from the capacity days."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nameko.exceptions import RemoteError

from services.booking.models import KnownPlace
from services.booking.service import BookingService
from services.common.tests.callers import MANAGER, VERONIQUE
from tests.support import EventTap, error_code

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00"
DESKS = {"name": "Open space", "kind": "desk_pool", "seats": 2}


@pytest.fixture
def booking(start_service):
    container = start_service(BookingService)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    return container


def next_monday(hour: int) -> datetime:
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=PARIS)


def request(resource_id: str, start: datetime, hours: int = 1) -> dict:
    end = start + timedelta(hours=hours)
    return {"resource_id": resource_id, "start": start.isoformat(), "end": end.isoformat()}


def test_rules_set_by_the_manager_are_honoured_and_shown_in_availability(booking, as_, amqp_uri):
    manager, member = as_(MANAGER), as_(VERONIQUE)
    tap = EventTap(amqp_uri, "booking", "resource_updated")
    resource = manager.booking.create_resource("place-1", DESKS, uuid.uuid4().hex)
    assert resource["opening_hours"] is None

    # A member may not change it; the manager may, and the change is published.
    with pytest.raises(RemoteError) as refusal:
        member.booking.update_resource(resource["id"], {"seats": 9}, uuid.uuid4().hex)
    assert error_code(refusal.value) == "forbidden"
    changed = manager.booking.update_resource(
        resource["id"], {"opening_hours": HOURS, "unit": "hour"}, uuid.uuid4().hex
    )
    assert (changed["opening_hours"], changed["unit"], changed["seats"]) == (HOURS, "hour", 2)
    [event] = tap.take(1)
    assert event["data"]["changed"] == ["opening_hours", "unit"]
    assert event["data"]["resource"] == changed
    # The same body again: the same resource, one event staged in all.
    again = manager.booking.update_resource(
        resource["id"], {"opening_hours": HOURS, "unit": "hour"}, uuid.uuid4().hex
    )
    assert again == changed == member.booking.get_resource(resource["id"])
    # The next event published is the next change's: the repeat published none before it.
    manager.booking.update_resource(resource["id"], {"seats": 2}, uuid.uuid4().hex)  # no change
    manager.booking.update_resource(resource["id"], {"seats": 3}, uuid.uuid4().hex)
    [event] = tap.take(1)
    assert event["data"]["changed"] == ["seats"]
    manager.booking.update_resource(resource["id"], {"seats": 2}, uuid.uuid4().hex)

    # Booking honours the rules.
    member.booking.create_booking(request(resource["id"], next_monday(9)), uuid.uuid4().hex)
    with pytest.raises(RemoteError) as refusal:
        member.booking.create_booking(request(resource["id"], next_monday(11), 2), "k-lunch")
    assert error_code(refusal.value) == "outside_opening_hours"
    with pytest.raises(RemoteError) as refusal:
        member.booking.create_booking(
            request(resource["id"], next_monday(9) + timedelta(minutes=15)), "k-unit"
        )
    assert error_code(refusal.value) == "not_on_unit"

    # Availability: one seat left at 9, two at 10, nothing at lunch.
    day = next_monday(0).date().isoformat()
    got = member.booking.availability(resource["id"], day, day)
    seats = {f["start"][11:16]: f["seats_left"] for f in got["free"]}
    assert seats == {"09:00": 1, "10:00": 2, "11:00": 2, "14:00": 2, "15:00": 2, "16:00": 2,
                     "17:00": 2}  # fmt: skip
    assert got["start"] == next_monday(0).isoformat()
