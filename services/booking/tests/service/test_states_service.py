"""The booking state machine against a real broker and SecantusDB: what the sweep of abandoned
bookings touches (only ``held``, and ``pending`` from earlier versions) and what it never does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_hook

from services.booking import capacity, rules
from services.booking.models import Booking, KnownPlace
from services.booking.rules import states
from services.booking.service import BookingService
from services.booking.tests.loads import taken_list

LONG_AGO = timedelta(hours=1)


@pytest.fixture
def booking(start_service):
    return start_service(BookingService)


def at(hours: float) -> datetime:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    return base + timedelta(hours=hours)


def new_resource(rpc, seats: int = 1) -> dict:
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Bureau partagé", "kind": "desk_pool", "seats": seats}
    return rpc.booking.create_resource("place-1", payload, uuid.uuid4().hex)


def request(resource_id: str, start: float, end: float) -> dict:
    return {
        "resource_id": resource_id,
        "start": at(start).isoformat(),
        "end": at(end).isoformat(),
        "seats": 1,
        "name": "Véronique",
        "email": "veronique@example.org",
    }


def stored(resource_id: str, status: str, age: timedelta, start: float = 0) -> Booking:
    """A booking written straight to the database, as a worker (or a next issue's command)
    would have left it ``age`` ago, holding its seat when its status holds seats."""
    booking = Booking(
        resource_id=resource_id,
        start=at(start),
        end=at(start + 1),
        seats=1,
        name="X",
        email="x@example.org",
        status=status,
        idempotency_key=uuid.uuid4().hex,
        fingerprint="-",
        created_at=datetime.now(UTC) - age,
        status_changed_at=datetime.now(UTC) - age,
    )
    booking.save(force_insert=True)
    if status in states.HOLDS_SEATS:
        slots = rules.slots(booking.start, booking.end)
        assert capacity.hold_all(resource_id, slots, str(booking.id), 1, 1)
    return booking


def status_of(booking: Booking) -> str:
    return Booking._get_collection().find_one({"_id": booking.id})["status"]


def seats_taken(resource_id: str) -> list[int]:
    return taken_list(resource_id)


def sweep(container) -> int:
    with entrypoint_hook(container, "release_abandoned") as release_abandoned:
        return release_abandoned()


def test_the_sweep_never_reverts_a_confirmed_booking(booking, manager, member):
    resource = new_resource(manager)
    confirmed = member.booking.create_booking(request(resource["id"], 0, 1), "k-confirmed")
    # Made long ago: only its status may keep the sweep away from it.
    Booking.objects(id=confirmed["id"]).update_one(
        set__created_at=datetime.now(UTC) - LONG_AGO,
        set__status_changed_at=datetime.now(UTC) - LONG_AGO,
    )
    assert sweep(booking) == 0
    assert member.booking.get_booking(confirmed["id"])["status"] == "confirmed"
    assert seats_taken(resource["id"]) == [1, 1, 1, 1]


@pytest.mark.parametrize(
    "status", [states.AWAITING_APPROVAL, states.WAITLISTED, states.CANCELLED, states.REJECTED]
)
def test_the_sweep_never_touches_a_booking_waiting_for_someone_or_settled(booking, manager, status):
    resource = new_resource(manager)
    waiting = stored(resource["id"], status, LONG_AGO)
    taken_before = seats_taken(resource["id"])
    assert sweep(booking) == 0
    assert status_of(waiting) == status
    assert seats_taken(resource["id"]) == taken_before
    if status == states.AWAITING_APPROVAL:  # its seat stays kept for the approval
        assert taken_before == [1, 1, 1, 1]


def test_a_held_booking_older_than_the_limit_is_rejected_and_its_seat_freed(
    booking, manager, member
):
    resource = new_resource(manager)
    abandoned = stored(resource["id"], states.HELD, states.ABANDONED_AFTER + timedelta(seconds=5))
    in_flight = stored(
        resource["id"], states.HELD, states.ABANDONED_AFTER - timedelta(seconds=30), start=5
    )
    assert seats_taken(resource["id"]) == [1] * 8
    assert sweep(booking) == 1
    assert status_of(abandoned) == states.REJECTED
    assert status_of(in_flight) == states.HELD
    assert seats_taken(resource["id"]) == [0] * 4 + [1] * 4
    # the freed seat can be booked again, and a second sweep finds nothing more
    again = member.booking.create_booking(request(resource["id"], 0, 1), uuid.uuid4().hex)
    assert again["status"] == "confirmed"
    assert sweep(booking) == 0


def test_a_pending_booking_of_an_earlier_version_is_swept_as_held(booking, manager, member):
    resource = new_resource(manager)
    legacy = stored(resource["id"], states.HELD, LONG_AGO)
    # As earlier versions wrote it: "pending", and no status_changed_at.
    Booking._get_collection().update_one(
        {"_id": legacy.id},
        {"$set": {"status": states.LEGACY_PENDING}, "$unset": {"status_changed_at": 1}},
    )
    assert sweep(booking) == 1
    assert status_of(legacy) == states.REJECTED
    assert seats_taken(resource["id"]) == [0, 0, 0, 0]


def test_a_retry_finishes_a_pending_booking_of_an_earlier_version(booking, manager, member):
    resource = new_resource(manager)
    wanted = request(resource["id"], 0, 1)
    first = member.booking.create_booking(wanted, "k-legacy")
    # As if an earlier version had held it and died before confirming.
    Booking._get_collection().update_one(
        {"_id": Booking.objects(id=first["id"]).first().id},
        {"$set": {"status": states.LEGACY_PENDING}, "$unset": {"status_changed_at": 1}},
    )
    again = member.booking.create_booking(wanted, "k-legacy")
    assert again == {**first, "status": "confirmed"}
    assert seats_taken(resource["id"]) == [1, 1, 1, 1]
