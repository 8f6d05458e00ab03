"""Issue 7 against a real RabbitMQ vhost, SecantusDB and SMTP sink: the booking service
decides from the caller in the RPC context (``nameko.caller``), with or without the gateway.

A member books, another member sees the booking without the person and cannot cancel it,
the member cancels: the seat is free again, ``booking_cancelled`` is published once, and
notifications sends the cancellation with its ``.ics`` METHOD:CANCEL once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from nameko.exceptions import RemoteError

from services.booking.models import KnownPlace
from services.booking.service import BookingService
from services.booking.tests.loads import taken_list
from services.common.tests.callers import (
    COORDINATOR,
    MANAGER,
    THIERRY,
    VERONIQUE,
)
from services.notifications.service import NotificationsService
from tests.support import EventTap, error_code, wait_until


@pytest.fixture(autouse=True)
def quick_email(service_config):
    service_config["MAILLAGE"].update(email_poll_seconds=0.1, email_retry_base_seconds=0.1)


@pytest.fixture
def booking(start_service):
    return start_service(BookingService)


def at(hours: float) -> str:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    return (base + timedelta(hours=hours)).isoformat()


def new_resource(as_) -> dict:
    """A desk of Riez (``place-1``), created by its facilitator."""
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Bureau partagé", "kind": "desk_pool", "seats": 1}
    return as_(MANAGER).booking.create_resource("place-1", payload, uuid.uuid4().hex)


def wanted(resource_id: str, email: str = "veronique@example.org") -> dict:
    return {
        "resource_id": resource_id,
        "start": at(0),
        "end": at(1),
        "seats": 1,
        "name": "Véronique",
        "email": email,
    }


def taken(resource: dict) -> int:
    return sum(taken_list(resource["id"]))


def test_a_member_cancels_and_everyone_else_is_refused(
    booking, start_service, as_, rpc_client, amqp_uri, smtp_server, operator
):
    start_service(NotificationsService)
    tap = EventTap(amqp_uri, "booking", "booking_cancelled")
    veronique, thierry, nobody = as_(VERONIQUE), as_(THIERRY), as_(None)
    resource = new_resource(as_)
    made = veronique.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    assert taken(resource) == 4

    # The person: to her; to anyone else the booking without her.
    assert veronique.booking.get_booking(made["id"])["email"] == "veronique@example.org"
    for other in (thierry, nobody, rpc_client):  # rpc_client: no caller at all
        shown = other.booking.get_booking(made["id"])
        assert (shown["name"], shown["email"], shown["status"]) == (None, None, "confirmed")
    assert [b["id"] for b in veronique.booking.my_bookings()] == [made["id"]]
    assert thierry.booking.my_bookings() == [] and nobody.booking.my_bookings() == []

    for other, code in ((thierry, "forbidden"), (nobody, "authentication_required")):
        with pytest.raises(RemoteError) as refusal:
            other.booking.cancel_booking(made["id"], uuid.uuid4().hex)
        assert error_code(refusal.value) == code
    assert taken(resource) == 4

    key = uuid.uuid4().hex
    cancelled = veronique.booking.cancel_booking(made["id"], key)
    assert cancelled["status"] == "cancelled"
    assert veronique.booking.cancel_booking(made["id"], key) == cancelled  # idempotent
    assert taken(resource) == 0
    # The seat is free again: Thierry books it.
    thierry.booking.create_booking(wanted(resource["id"], "thierry@example.org"), uuid.uuid4().hex)

    [event] = tap.take(1)
    assert tap.take(1, timeout=1.0) == []  # published once
    tap.close()
    assert event["data"]["booking_id"] == made["id"]
    assert event["data"]["cancelled_by"] == "owner"

    def cancellation_mails():
        return [m for m in smtp_server.messages() if "annulée" in str(m["Subject"])]

    [message] = wait_until(cancellation_mails)
    assert message["To"].addresses[0].addr_spec == "veronique@example.org"
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    [vevent] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["UID"]) == f"booking-{made['id']}@maillage"
    assert int(vevent["SEQUENCE"]) == 1
    wait_until(lambda: len(operator.notifications.deliveries(20, "sent")) >= 3)
    assert len(cancellation_mails()) == 1


def test_staff_see_the_person_and_cancel_a_booking_made_for_her(booking, as_, rpc_client):
    resource = new_resource(as_)
    # She phoned Riez's facilitator, who booked for her: no member behind it yet.
    made = as_(MANAGER).booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    coordinator = as_(COORDINATOR)
    assert coordinator.booking.get_booking(made["id"])["name"] == "Véronique"
    assert coordinator.booking.list_bookings(resource["id"])[0]["email"] == (
        "veronique@example.org"
    )
    assert rpc_client.booking.list_bookings(resource["id"])[0]["email"] is None
    # Véronique signs up later with the address of the booking: it is hers.
    assert [b["id"] for b in as_(VERONIQUE).booking.my_bookings()] == [made["id"]]
    assert (
        coordinator.booking.cancel_booking(made["id"], "c", {"reason": "Fermé"})["status"]
        == "cancelled"
    )
    assert taken(resource) == 0


def test_a_forged_or_malformed_caller_is_anonymous(booking, as_, rpc_client):
    resource = new_resource(as_)
    made = as_(VERONIQUE).booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    for raw in ("not json", '{"member_id": 42, "roles": ["king"]}'):
        forged = as_(None, raw=raw)
        assert forged.booking.get_booking(made["id"])["email"] is None
        with pytest.raises(RemoteError) as refusal:
            forged.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
        assert error_code(refusal.value) == "authentication_required"
        with pytest.raises(RemoteError) as refusal:
            forged.booking.cancel_booking(made["id"], "k")
        assert error_code(refusal.value) == "authentication_required"
