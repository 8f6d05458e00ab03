"""The facilitator's desk against a real RabbitMQ vhost, SecantusDB and SMTP sink: a request
on a resource with ``approval_required`` holds its seats while it awaits the place; a rejection
frees them and the person is told why, once; of an approval, a rejection and the owner's
withdrawal racing on one request, exactly one decides it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from nameko.exceptions import RemoteError

from services.booking.models import Booking, KnownPlace
from services.booking.service import BookingService
from services.booking.tests.loads import held_by_booking
from services.common.tests.callers import COORDINATOR, MANAGER, THIERRY, VERONIQUE
from services.notifications.service import NotificationsService
from tests.support import EventTap, error_code, wait_until

WHY = "La salle est prise par l'atelier numérique"


@pytest.fixture(autouse=True)
def quick_email(service_config):
    service_config["MAILLAGE"].update(email_poll_seconds=0.1, email_retry_base_seconds=0.1)


@pytest.fixture
def booking(start_service):
    return start_service(BookingService)


def at(days: int, hours: float = 0) -> str:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    return (base + timedelta(hours=hours)).isoformat()


def approval_resource(as_) -> dict:
    """Riez's meeting room (``place-1``), one seat, booked on its facilitator's approval."""
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Salle", "kind": "meeting_room", "seats": 1, "approval_required": True}
    return as_(MANAGER).booking.create_resource("place-1", payload, uuid.uuid4().hex)


def request(as_, resource: dict, days: int = 3) -> dict:
    wanted = {"resource_id": resource["id"], "start": at(days), "end": at(days, 1), "seats": 1}
    return as_(VERONIQUE).booking.create_booking(wanted, uuid.uuid4().hex)


def taken(resource: dict, booking: dict) -> int:
    """Seats held by this booking, summed over its quarter hours."""
    return held_by_booking(resource["id"]).get(booking["id"], 0)


def test_a_request_holds_its_seat_until_rejected_and_she_is_told_once(
    booking, start_service, as_, rpc_client, amqp_uri, smtp_server, operator
):
    start_service(NotificationsService)
    tap = EventTap(amqp_uri, "booking", "#")
    resource = approval_resource(as_)
    asked = request(as_, resource)
    assert asked["status"] == "awaiting_approval" and taken(resource, asked) == 4
    # The seat is hers while the place decides: Thierry cannot take it.
    thierrys = {**{"resource_id": resource["id"], "start": at(3), "end": at(3, 1)}}
    with pytest.raises(RemoteError) as full:
        as_(THIERRY).booking.create_booking(thierrys, uuid.uuid4().hex)
    assert error_code(full.value) == "no_seat_left"

    with pytest.raises(RemoteError) as refusal:
        as_(THIERRY).booking.reject_booking(asked["id"], {"reason": WHY}, uuid.uuid4().hex)
    assert error_code(refusal.value) == "forbidden"
    rejected = as_(MANAGER).booking.reject_booking(asked["id"], {"reason": WHY}, "r")
    assert rejected["status"] == "rejected" and taken(resource, asked) == 0
    assert as_(COORDINATOR).booking.reject_booking(asked["id"], {"reason": WHY}, "r2") == rejected
    thierry = as_(THIERRY).booking.create_booking(thierrys, uuid.uuid4().hex)  # free again
    assert thierry["status"] == "awaiting_approval"

    published = [e for e in tap.take(4) if e["data"].get("booking_id") == asked["id"]]
    assert [e["type"] for e in published] == ["booking_requested", "booking_rejected"]
    assert published[1]["data"]["reason"] == WHY
    tap.close()

    def mails_to_her(subject: str):
        return [
            m
            for m in smtp_server.messages()
            if subject in str(m["Subject"]) and "veronique@example.org" in str(m["To"])
        ]

    [received] = wait_until(lambda: mails_to_her("Demande reçue"))
    [refused] = wait_until(lambda: mails_to_her("Demande non retenue"))
    assert WHY in refused.get_body(("plain",)).get_content()
    assert list(received.iter_attachments()) == [] == list(refused.iter_attachments())
    # Every email sent (hers two, Thierry's one): none twice.
    wait_until(lambda: len(operator.notifications.deliveries(20, "sent")) >= 3)
    assert len(mails_to_her("Demande reçue")) == len(mails_to_her("Demande non retenue")) == 1


def test_an_approval_confirms_and_sends_the_invitation(
    booking, start_service, as_, rpc_client, smtp_server
):
    start_service(NotificationsService)
    resource = approval_resource(as_)
    asked = request(as_, resource)
    approved = as_(MANAGER).booking.approve_booking(asked["id"], "a")
    assert approved["status"] == "confirmed" and taken(resource, asked) == 4
    assert as_(MANAGER).booking.approve_booking(asked["id"], "a") == approved
    [confirmation] = wait_until(
        lambda: [m for m in smtp_server.messages() if "confirmée" in str(m["Subject"])]
    )
    [ics] = list(confirmation.iter_attachments())
    assert ics.get_content_type() == "text/calendar"


RACERS = {
    "approve": lambda c, b: c.approve_booking(b["id"], uuid.uuid4().hex),
    "reject": lambda c, b: c.reject_booking(b["id"], {"reason": WHY}, uuid.uuid4().hex),
    "cancel": lambda c, b: c.cancel_booking(b["id"], uuid.uuid4().hex),
}
WHO = {"approve": MANAGER, "reject": COORDINATOR, "cancel": VERONIQUE}
SAID = {"approve": "booking_confirmed", "reject": "booking_rejected", "cancel": "booking_cancelled"}
# The events that take a request out of awaiting_approval, and who may win together.
DECISIONS = (
    ("booking_confirmed", None),
    ("booking_rejected", None),
    ("booking_cancelled", "awaiting_approval"),
)
WINNERS = (
    {"approve": "confirmed"},
    {"reject": "rejected"},
    {"cancel": "cancelled"},
    {"approve": "confirmed", "cancel": "cancelled"},
)
# What losing says: the request was decided by another.
LOSING = {"booking_not_awaiting_approval", "booking_not_cancellable"}


def test_approve_reject_and_withdraw_race_and_exactly_one_decides(booking, as_, amqp_uri):
    resource = approval_resource(as_)
    requests = [request(as_, resource, days=3 + i) for i in range(8)]
    # A client of its own per call: one RPC client is not shared between green threads.
    jobs = [(kind, made, as_(WHO[kind]).booking) for made in requests for kind in RACERS]
    said_by = {kind: EventTap(amqp_uri, "booking", event) for kind, event in SAID.items()}

    def race(job: tuple) -> tuple[str, str, str]:
        kind, made, client = job
        try:
            return made["id"], kind, RACERS[kind](client, made)["status"]
        except RemoteError as error:
            assert error_code(error) in LOSING, error
            return made["id"], kind, "lost"

    results = list(eventlet.GreenPool(len(jobs)).imap(race, jobs))
    events = []
    for kind, tap in said_by.items():
        events += tap.take(sum(k == kind and status != "lost" for _, k, status in results))
        assert tap.take(1, timeout=1.0) == []  # nothing more than the winners said
        tap.close()
    for made in requests:
        won = {
            kind: status for bid, kind, status in results if bid == made["id"] and status != "lost"
        }
        said = [
            (e["type"], e["data"].get("previous_status"))
            for e in events
            if e["data"]["booking_id"] == made["id"]
        ]
        # Exactly one decision taken from awaiting_approval: approved (and then perhaps
        # withdrawn: a confirmed booking's owner may cancel it), rejected, or withdrawn.
        assert sum(said.count(d) for d in DECISIONS) == 1, (won, said)
        assert won in WINNERS, won
        status = Booking.objects(id=made["id"]).first().status
        assert status == list(won.values())[-1]  # the last to win (jobs run in RACERS order)
        assert taken(resource, made) == (4 if status == "confirmed" else 0), (won, status)
