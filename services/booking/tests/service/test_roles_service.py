"""Roles through real RPC (RabbitMQ vhost, SecantusDB): the booking service applies them from
the caller in the context (``nameko.caller``), so that a client reaching it without the gateway
gets no more than anyone else.

Resources need a manager of their place (or an admin); booking needs to be signed in; a
manager books for Marceline, who phoned (her name and phone or email), sees the person and
cancels; the facilitator of another place does none of this.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nameko.exceptions import RemoteError

from contracts.identity import Caller
from services.booking.models import Booking, KnownPlace, Resource
from services.booking.service import BookingService
from services.common.tests.callers import ADMIN, MANAGER, OTHER_MANAGER, VERONIQUE
from tests.support import EventTap, error_code

MARCELINE = Caller(member_id="m-marceline", email="marceline@example.org")
PHONE = "04 92 77 00 00"
DESK = {"name": "Bureau partagé", "kind": "desk_pool", "seats": 2}


@pytest.fixture
def booking(start_service):
    container = start_service(BookingService)
    # Booking knows places from the directory's events: give it Riez directly.
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    return container


def at(hours: float) -> str:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    return (base + timedelta(hours=hours)).isoformat()


def wanted(resource_id: str, **person) -> dict:
    return {"resource_id": resource_id, "start": at(0), "end": at(1), "seats": 1, **person}


def refused(call, *args) -> str:
    with pytest.raises(RemoteError) as refusal:
        call(*args, uuid.uuid4().hex)
    return error_code(refusal.value)


def test_resources_need_a_manager_of_their_place(booking, as_, rpc_client):
    create = {who: as_(who).booking.create_resource for who in (VERONIQUE, OTHER_MANAGER)}
    # rpc_client sends no caller at all: a service reached without the gateway says no.
    assert refused(rpc_client.booking.create_resource, "place-1", DESK) == (
        "authentication_required"
    )
    assert refused(create[VERONIQUE], "place-1", DESK) == "forbidden"
    assert refused(create[OTHER_MANAGER], "place-1", DESK) == "forbidden"
    # Refused before the place is looked up: who may not add is not told whether it exists.
    assert refused(create[VERONIQUE], "unheard-of", DESK) == "forbidden"
    assert refused(rpc_client.booking.create_resource, "unheard-of", DESK) == (
        "authentication_required"
    )
    assert Resource.objects.count() == 0

    made = as_(MANAGER).booking.create_resource("place-1", DESK, uuid.uuid4().hex)
    by_admin = as_(ADMIN).booking.create_resource("place-1", DESK, uuid.uuid4().hex)
    assert {r["id"] for r in rpc_client.booking.list_resources("place-1")} == {
        made["id"],
        by_admin["id"],
    }


def test_booking_needs_to_be_signed_in_and_names_only_oneself(booking, as_, rpc_client):
    resource = as_(MANAGER).booking.create_resource("place-1", DESK, uuid.uuid4().hex)
    anyone = wanted(resource["id"], name="Véronique", email="veronique@example.org")
    assert refused(rpc_client.booking.create_booking, anyone) == "authentication_required"
    veronique = as_(VERONIQUE)
    someone = wanted(resource["id"], name="Thierry", email="thierry@example.org")
    assert refused(veronique.booking.create_booking, someone) == "forbidden"
    assert refused(veronique.booking.create_booking, wanted(resource["id"], phone=PHONE)) == (
        "forbidden"
    )
    assert Booking.objects.count() == 0

    # Her own, in another case, without a name: the account's.
    mine = veronique.booking.create_booking(
        wanted(resource["id"], email="Veronique@Example.org"), uuid.uuid4().hex
    )
    assert (mine["name"], mine["email"]) == ("Véronique", "veronique@example.org")
    assert [b["id"] for b in veronique.booking.my_bookings()] == [mine["id"]]


def test_a_manager_books_for_marceline_sees_her_and_cancels(booking, as_, rpc_client, amqp_uri):
    tap = EventTap(amqp_uri, "booking", "booking_cancelled")
    manager, other = as_(MANAGER), as_(OTHER_MANAGER)
    resource = manager.booking.create_resource("place-1", DESK, uuid.uuid4().hex)
    assert refused(manager.booking.create_booking, wanted(resource["id"], phone=PHONE)) == (
        "validation_failed"  # her name is needed
    )
    assert refused(
        other.booking.create_booking, wanted(resource["id"], name="Marceline", phone=PHONE)
    ) == ("forbidden")

    by_phone = manager.booking.create_booking(
        wanted(resource["id"], name="Marceline", phone=PHONE), uuid.uuid4().hex
    )
    assert (by_phone["name"], by_phone["email"], by_phone["phone"]) == ("Marceline", None, PHONE)
    by_email = manager.booking.create_booking(
        wanted(resource["id"], name="Marceline", email="marceline@example.org"), uuid.uuid4().hex
    )
    assert manager.booking.my_bookings() == []  # booked for her: not the manager's
    # Hers once she has an account with that address.
    assert [b["id"] for b in as_(MARCELINE).booking.my_bookings()] == [by_email["id"]]

    # The person to the place's manager, not to another place's.
    assert manager.booking.get_booking(by_phone["id"])["phone"] == PHONE
    assert {b["name"] for b in manager.booking.list_bookings(resource["id"])} == {"Marceline"}
    assert other.booking.get_booking(by_phone["id"])["phone"] is None
    assert {b["name"] for b in other.booking.list_bookings(resource["id"])} == {None}
    assert refused(other.booking.cancel_booking, by_phone["id"]) == "forbidden"

    cancelled = manager.booking.cancel_booking(
        by_phone["id"], uuid.uuid4().hex, {"reason": "Fermé"}
    )
    assert cancelled["status"] == "cancelled"
    [event] = tap.take(1)
    tap.close()
    assert event["data"]["booking_id"] == by_phone["id"]
    assert (event["data"]["cancelled_by"], event["data"]["email"]) == ("staff", None)
