"""Issue 8, the waitlist, against a real RabbitMQ vhost and SecantusDB: a full period is
waited for, seats freed by concurrent cancellations go to the first in line without ever
overbooking, an offer that lapses goes to the next, and nobody gets a fourth message."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from nameko.exceptions import RemoteError

from contracts.identity import Caller
from services.booking import links, waitlist
from services.booking.models import Booking, KnownPlace, WaitlistTurn
from services.booking.service import BookingService
from services.booking.tests.loads import taken_list
from services.common.tests.callers import MANAGER, OTHER_MANAGER, THIERRY
from tests.support import EventTap, RecordingStager, error_code


@pytest.fixture
def booking(start_service):
    return start_service(BookingService)


def person(n: int) -> Caller:
    return Caller(member_id=f"m-wait-{n}", email=f"wait{n}@example.org", name=f"Personne {n}")


def at(hours: float) -> str:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    return (base + timedelta(hours=hours)).isoformat()


def new_resource(as_, seats: int, **settings) -> dict:
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Salle", "kind": "meeting_room", "seats": seats, **settings}
    return as_(MANAGER).booking.create_resource("place-1", payload, uuid.uuid4().hex)


def book(client, resource: dict, seats: int = 1, wait: bool = False) -> dict:
    payload = {"resource_id": resource["id"], "start": at(0), "end": at(1), "seats": seats}
    if wait:
        payload["waitlist"] = True
    return client.booking.create_booking(payload, uuid.uuid4().hex)


def status(booking_id: str) -> str:
    return Booking.objects(id=booking_id).first().status


def most_taken(resource: dict) -> int:
    return max(taken_list(resource["id"]), default=0)


def test_concurrent_cancellations_promote_the_first_in_line_and_never_overbook(booking, as_):
    """3 seats, all booked; 5 people wait (party sizes 1, 2, 1, 1, 1); 3 cancellations at
    once free 3 seats, which are all filled again, first in line first; no quarter hour ever
    holds more than 3 seats.

    Which seats each release finds free depends on how the three calls interleave: when they
    are handled together, the first (1) and the pair (2) take the 3 seats; when one by one,
    each release frees 1 seat, which the pair never fits, so the first, the third and the
    fourth take them (the rule: the first in line *whose party fits*; a seat is not left
    empty for a party that does not fit it). Both are right; nothing else is."""
    resource = new_resource(as_, 3, waitlist_mode="auto")
    holders = [person(n) for n in range(3)]
    made = [book(as_(who), resource) for who in holders]
    assert most_taken(resource) == 3
    sizes = [1, 2, 1, 1, 1]
    waiting = [
        book(as_(person(10 + n)), resource, seats, wait=True) for n, seats in enumerate(sizes)
    ]
    assert [w["status"] for w in waiting] == ["waitlisted"] * 5
    assert [w["position"] for w in waiting] == [1, 2, 3, 4, 5]

    pool = eventlet.GreenPool()
    for who, made_one in zip(holders, made, strict=True):
        pool.spawn(as_(who).booking.cancel_booking, made_one["id"], uuid.uuid4().hex)
    pool.waitall()

    after = [status(w["id"]) for w in waiting]
    assert after in (
        ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"],
        ["confirmed", "waitlisted", "confirmed", "confirmed", "waitlisted"],
    )
    assert most_taken(resource) == 3
    assert sum(taken_list(resource["id"])) == 3 * 4  # 3 seats over 4 quarter hours


def test_a_lapsed_offer_goes_to_the_next_and_a_fourth_message_is_never_sent(booking, as_, amqp_uri):
    """Offer mode, one seat: Thierry holds it, two wait. He cancels: the first is offered
    the seat (held for her); it lapses: the seat goes to the second, the first goes to the end
    of the line. Each lapse is handled once; after three messages an entry leaves the list."""
    tap = EventTap(amqp_uri, "booking", "booking_offered")
    resource = new_resource(as_, 1, offer_minutes=5)
    first = book(as_(THIERRY), resource)
    one, two = person(1), person(2)
    a = book(as_(one), resource, wait=True)
    b = book(as_(two), resource, wait=True)
    as_(THIERRY).booking.cancel_booking(first["id"], uuid.uuid4().hex)
    assert (status(a["id"]), status(b["id"])) == ("offered", "waitlisted")
    assert most_taken(resource) == 1

    events = RecordingStager("booking")  # staged in the documents; the service relays them
    later = datetime.now(UTC) + timedelta(minutes=6)
    assert waitlist.expire_offers(events, later) == 1
    assert waitlist.expire_offers(events, later) == 0  # exactly once
    assert (status(a["id"]), status(b["id"])) == ("waitlisted", "offered")
    assert most_taken(resource) == 1

    # b lapses: a is offered again (her 3rd message); a lapses again: she had her three
    # messages, she leaves the list, and b is offered again (her 3rd).
    assert waitlist.expire_offers(events, later + timedelta(minutes=6)) == 1
    assert (status(a["id"]), status(b["id"])) == ("offered", "waitlisted")
    assert waitlist.expire_offers(events, later + timedelta(minutes=12)) == 1
    assert (status(a["id"]), status(b["id"])) == ("rejected", "offered")
    counts = {w: Booking.objects(id=w).first().messages for w in (a["id"], b["id"])}
    assert counts == {a["id"]: 3, b["id"]: 3}
    offered = tap.take(4)
    assert tap.take(1, timeout=1.0) == []  # no third offer to anyone
    tap.close()
    # The relay publishes each document's events in order (not across documents).
    told = sorted((e["data"]["booking_id"], e["data"]["message"]) for e in offered)
    assert told == sorted([(a["id"], 2), (a["id"], 3), (b["id"], 2), (b["id"], 3)])
    assert most_taken(resource) == 1

    # b accepts with her own account: confirmed; the link of another's offer is refused.
    with pytest.raises(RemoteError) as refusal:
        as_(one).booking.accept_offer(b["id"], None, uuid.uuid4().hex)
    assert error_code(refusal.value) == "forbidden"
    accepted = as_(two).booking.accept_offer(b["id"], None, uuid.uuid4().hex)
    assert accepted["status"] == "confirmed"
    assert as_(two).booking.accept_offer(b["id"], None, uuid.uuid4().hex) == accepted


def test_leaving_by_the_link_and_who_sees_the_line(booking, as_, rpc_client):
    resource = new_resource(as_, 1)
    book(as_(THIERRY), resource)
    a = book(as_(person(1)), resource, wait=True)
    line = as_(MANAGER).booking.waiting_list(resource["id"])
    assert [(e["id"], e["position"]) for e in line] == [(a["id"], 1)]
    with pytest.raises(RemoteError) as refusal:
        as_(THIERRY).booking.waiting_list(resource["id"])
    assert error_code(refusal.value) == "forbidden"

    with pytest.raises(RemoteError) as refusal:
        rpc_client.booking.leave_waitlist(links.token_for(a["id"], "accept"), "k1")
    assert error_code(refusal.value) == "invalid_waitlist_link"
    token = links.token_for(a["id"], "leave")
    left = rpc_client.booking.leave_waitlist(token, "k2")
    assert left["status"] == "cancelled"
    assert rpc_client.booking.leave_waitlist(token, "k3")["status"] == "cancelled"
    assert as_(MANAGER).booking.waiting_list(resource["id"]) == []


@pytest.fixture
def quotas(service_config):
    service_config["MAILLAGE"].update(quota_active_bookings=2, quota_hours_per_week=3)


def test_quotas_count_a_members_bookings_across_every_place(quotas, booking, as_):
    """Two bookings to come at most, 3 hours a week: one in Riez, one in Moustiers, and a
    third anywhere is refused; the facilitator booking for Thierry is not held to his own."""
    KnownPlace.objects(place_id="place-2").update_one(upsert=True, set__name="Moustiers")
    riez = new_resource(as_, 5)
    moustiers = as_(OTHER_MANAGER).booking.create_resource(
        "place-2", {"name": "Atelier", "kind": "meeting_room", "seats": 5}, uuid.uuid4().hex
    )
    book(as_(THIERRY), riez)
    book(as_(THIERRY), moustiers)
    with pytest.raises(RemoteError) as refusal:
        book(as_(THIERRY), riez)
    assert error_code(refusal.value) == "quota_active_exceeded"
    for _ in range(3):  # the manager's own quota does not bind what they book for others
        as_(MANAGER).booking.create_booking(
            {
                "resource_id": riez["id"],
                "start": at(0),
                "end": at(1),
                "name": "Marceline",
                "phone": "+33 6 12 34 56 78",
            },
            uuid.uuid4().hex,
        )


def tuesday(hour: int) -> str:
    """A Tuesday next week or the one after, at ``hour`` UTC: well inside one ISO week."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 - today.weekday())
    return (monday + timedelta(days=1, hours=hour)).isoformat()


def test_the_hours_of_a_week_count_across_places(quotas, booking, as_):
    KnownPlace.objects(place_id="place-2").update_one(upsert=True, set__name="Moustiers")
    riez = new_resource(as_, 5)
    moustiers = as_(OTHER_MANAGER).booking.create_resource(
        "place-2", {"name": "Atelier", "kind": "meeting_room", "seats": 5}, uuid.uuid4().hex
    )
    payload = {"resource_id": riez["id"], "start": tuesday(9), "end": tuesday(11)}
    as_(THIERRY).booking.create_booking(payload, "two-hours")
    payload = {"resource_id": moustiers["id"], "start": tuesday(13), "end": tuesday(15)}
    with pytest.raises(RemoteError) as refusal:
        as_(THIERRY).booking.create_booking(payload, uuid.uuid4().hex)
    assert error_code(refusal.value) == "quota_hours_exceeded"
    # A retry of the booking made is answered, never refused by its own hours.
    again = {"resource_id": riez["id"], "start": tuesday(9), "end": tuesday(11)}
    assert as_(THIERRY).booking.create_booking(again, "two-hours")["status"] == "confirmed"


def test_a_release_during_anothers_turn_leaves_the_promotion_to_it(booking, as_):
    """One release promotes a resource's line at a time: a release arriving while the turn
    is held (here by a release that died) only asks for another round; the minute timer
    takes the turn over once its lease lapsed, and promotes in order."""
    resource = new_resource(as_, 1, waitlist_mode="auto")
    made = book(as_(THIERRY), resource)
    first = book(as_(person(1)), resource, wait=True)
    second = book(as_(person(2)), resource, wait=True)
    lease = datetime.now(UTC) + timedelta(seconds=30)
    WaitlistTurn.objects(id=resource["id"]).update_one(upsert=True, set__until=lease)

    as_(THIERRY).booking.cancel_booking(made["id"], uuid.uuid4().hex)
    assert (status(first["id"]), status(second["id"])) == ("waitlisted", "waitlisted")
    assert WaitlistTurn.objects(id=resource["id"]).first().again is True
    assert most_taken(resource) == 0

    WaitlistTurn.objects(id=resource["id"]).update_one(
        set__until=datetime.now(UTC) - timedelta(seconds=1)
    )
    waitlist.expire_offers(RecordingStager("booking"))
    assert (status(first["id"]), status(second["id"])) == ("confirmed", "waitlisted")
    assert most_taken(resource) == 1
    assert WaitlistTurn.objects(id=resource["id"]).first().until is None  # given back
