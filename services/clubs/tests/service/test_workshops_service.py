"""Workshops with RSVP against a real RabbitMQ vhost and SecantusDB: the last seats under
concurrent answers, the waiting line promoted in order under concurrent cancellations, the
deadline's decision, and the room protocol (booking's answers published here by hand)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook

from contracts.identity import Caller
from services.clubs.service import ClubsService
from services.clubs.workshop_models import Rsvp, Workshop
from services.common.envelope import make_event
from services.common.tests.callers import MANAGER, VERONIQUE
from tests.support import EventTap, error_code, wait_until


@pytest.fixture
def clubs(start_service):
    return start_service(ClubsService)


def person(n: int) -> Caller:
    return Caller(member_id=f"m-rsvp-{n}", email=f"rsvp{n}@example.org", name=f"Personne {n}")


def later(days: float) -> str:
    base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return base.isoformat()


def new_workshop(as_, capacity: int, **more) -> dict:
    payload = {
        "title": "Atelier compost",
        "place_id": "place-1",
        "start": later(3),
        "end": later(3.1),
        "capacity": capacity,
        **more,
    }
    return as_(MANAGER).clubs.create_workshop(payload, uuid.uuid4().hex)


def statuses(workshop: dict, people: list[Caller]) -> list[str]:
    found = {r.member_id: r.status for r in Rsvp.objects(workshop_id=workshop["id"])}
    return [found.get(who.member_id) for who in people]


def taken(workshop: dict) -> int:
    return Workshop.objects(id=workshop["id"]).first().taken


def test_concurrent_answers_take_the_last_seats_once_and_queue_the_rest(clubs, as_):
    workshop = new_workshop(as_, 2)
    people = [person(n) for n in range(8)]
    answers = list(
        eventlet.GreenPool().imap(
            lambda who: as_(who).clubs.rsvp(workshop["id"], uuid.uuid4().hex), people
        )
    )
    assert {a["status"] for a in answers} <= {"confirmed", "waitlisted"}
    # What each answer said may lag: one told "waitlisted" can be seated a moment later by a
    # concurrent round that gave back a seat it could not use (and is emailed the promotion).
    # What stays is two seats taken and six in line, in order.
    now = [as_(who).clubs.my_rsvp(workshop["id"]) for who in people]
    assert sorted(a["status"] for a in now) == ["confirmed"] * 2 + ["waitlisted"] * 6
    assert sorted(a["position"] for a in now if a["position"]) == [1, 2, 3, 4, 5, 6]
    assert taken(workshop) == 2
    # Answering again with another key is the same answer, not a second seat or line place.
    again = as_(people[0]).clubs.rsvp(workshop["id"], uuid.uuid4().hex)
    assert again["id"] == answers[0]["id"]
    assert Rsvp.objects(workshop_id=workshop["id"]).count() == 8


def test_concurrent_cancellations_promote_the_first_in_line_and_never_overbook(clubs, as_):
    """3 seats taken, 5 waiting; the 3 participants and the first in line cancel at once:
    the next three in line get the seats, in order, and the last keeps waiting."""
    workshop = new_workshop(as_, 3)
    holders = [person(n) for n in range(3)]
    for who in holders:
        assert as_(who).clubs.rsvp(workshop["id"], uuid.uuid4().hex)["status"] == "confirmed"
    waiting = [person(10 + n) for n in range(5)]
    line = [as_(who).clubs.rsvp(workshop["id"], uuid.uuid4().hex) for who in waiting]
    assert [r["position"] for r in line] == [1, 2, 3, 4, 5]
    tap = EventTap_for(clubs, "rsvp_promoted")

    pool = eventlet.GreenPool()
    for who in [*holders, waiting[0]]:
        pool.spawn(as_(who).clubs.cancel_rsvp, workshop["id"], uuid.uuid4().hex)
    pool.waitall()

    assert statuses(workshop, holders) == ["cancelled"] * 3
    assert statuses(workshop, waiting) == [
        "cancelled",
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert (
        taken(workshop) == 3 == Rsvp.objects(workshop_id=workshop["id"], status="confirmed").count()
    )
    # Once the outbox is empty every event was published (with confirms) into the tap.
    wait_until(lambda: not Rsvp.objects(outbox_pending=True).count())
    promoted = {e["data"]["member_id"] for e in tap.drain()}
    seated = {w.member_id for w in waiting[1:4]}
    # The first in line may have been seated before their own cancellation went through.
    assert promoted in (seated, seated | {waiting[0].member_id})
    tap.close()


def EventTap_for(container, event_type: str) -> EventTap:  # noqa: N802 (reads as a type)
    from nameko import config

    return EventTap(config["AMQP_URI"], "clubs", event_type)


def test_the_deadline_cancels_a_workshop_short_of_its_minimum_and_tells_why(clubs, as_):
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    short = new_workshop(as_, 5, min_participants=2, deadline=past)
    enough = new_workshop(as_, 5, min_participants=1, deadline=past)
    assert short["status"] == "scheduled"
    for workshop in (short, enough):
        as_(VERONIQUE).clubs.rsvp(workshop["id"], uuid.uuid4().hex)
    cancelled = EventTap_for(clubs, "workshop_cancelled")
    confirmed = EventTap_for(clubs, "workshop_confirmed")
    with entrypoint_hook(clubs, "settle_workshops") as settle:
        assert settle() == 2
    with entrypoint_hook(clubs, "settle_workshops") as settle:
        assert settle() == 0  # decided once
    after = as_(VERONIQUE).clubs.get_workshop(short["id"])
    assert (after["status"], after["cancel_reason"]) == ("cancelled", "minimum_not_reached")
    assert as_(VERONIQUE).clubs.get_workshop(enough["id"])["status"] == "confirmed"
    [event] = cancelled.take(1)
    assert event["data"]["reason"] == "minimum_not_reached"
    assert event["data"]["participants"] == [VERONIQUE.member_id]
    assert [e["data"]["workshop_id"] for e in confirmed.take(1)] == [enough["id"]]
    with pytest.raises(RemoteError) as refused:
        as_(person(1)).clubs.rsvp(short["id"], uuid.uuid4().hex)
    assert error_code(refused.value) == "workshop_closed"
    cancelled.close()
    confirmed.close()


def test_the_room_is_asked_for_and_bookings_answer_recorded(clubs, as_, territory):
    scheduled = EventTap_for(clubs, "workshop_scheduled")
    workshop = new_workshop(as_, 10)
    [asked] = scheduled.take(1)
    assert asked["data"]["workshop_id"] == workshop["id"]
    assert asked["data"]["place_id"] == "place-1"
    assert workshop["room"]["status"] == "requested"  # booking absent: nothing answers
    dispatch = event_dispatcher()
    # The answers as booking sends them (contracts/booking.py RoomReserved, RoomRefused).
    about = {"for_type": "workshop", "for_id": workshop["id"], "place_id": "place-1"}
    times = {"start": workshop["start"], "end": workshop["end"]}
    answer = {**about, **times, "booking_id": "b-1", "resource_id": "r-1", "resource_name": "Salle"}
    dispatch(
        "booking",
        "room_reserved",
        make_event("booking", "room_reserved", answer, territory=territory),
    )
    wait_until(
        lambda: as_(MANAGER).clubs.get_workshop(workshop["id"])["room"]["status"] == "reserved"
    )
    refusal = {**about, **times, "reason": "room_taken"}
    dispatch(
        "booking",
        "room_refused",
        make_event("booking", "room_refused", refusal, territory=territory),
    )
    room = wait_until(
        lambda: (
            (r := as_(MANAGER).clubs.get_workshop(workshop["id"])["room"])["status"] == "refused"
            and r
        )
    )
    assert room["reason"] == "room_taken"
    scheduled.close()


def test_organisers_only_and_a_capacity_never_below_the_seats_taken(clubs, as_):
    with pytest.raises(RemoteError) as refused:
        new_workshop(lambda _who: as_(VERONIQUE), 2)
    assert error_code(refused.value) == "forbidden"
    workshop = new_workshop(as_, 2)
    for n in range(3):
        as_(person(n)).clubs.rsvp(workshop["id"], uuid.uuid4().hex)
    with pytest.raises(RemoteError) as below:
        as_(MANAGER).clubs.update_workshop(workshop["id"], {"capacity": 1}, uuid.uuid4().hex)
    assert error_code(below.value) == "capacity_below_taken"
    raised = as_(MANAGER).clubs.update_workshop(workshop["id"], {"capacity": 3}, uuid.uuid4().hex)
    assert (raised["taken"], raised["waiting"]) == (3, 0)  # the one waiting seated
    with pytest.raises(RemoteError) as hidden:
        as_(VERONIQUE).clubs.list_rsvps(workshop["id"])
    assert error_code(hidden.value) == "forbidden"
    assert len(as_(MANAGER).clubs.list_rsvps(workshop["id"])) == 3


def test_the_seat_counter_alone_never_overbooks_concurrent_takers(clubs, as_):
    """The conditional update itself, without the promotion's read before it: 16 takers at
    once for 5 seats, exactly 5 win; a capacity changed meanwhile makes a taker miss."""
    from bson import ObjectId

    from services.clubs import rsvps

    workshop = new_workshop(as_, 5)
    wid = ObjectId(workshop["id"])
    outcomes = list(eventlet.GreenPool(16).imap(lambda _: rsvps.take_seat(wid, 5), range(16)))
    assert outcomes.count(True) == 5
    assert taken(workshop) == 5
    assert not rsvps.take_seat(wid, 6)  # read as 6, but it is 5: no seat


def test_an_erased_member_s_answers_keep_the_counts_not_the_person(clubs, as_, territory):
    workshop = new_workshop(as_, 1)
    as_(VERONIQUE).clubs.rsvp(workshop["id"], uuid.uuid4().hex)
    as_(person(1)).clubs.rsvp(workshop["id"], uuid.uuid4().hex)  # waiting behind her
    exported = as_(VERONIQUE).clubs.export_member()["rsvps"]
    assert [(r["workshop_id"], r["email"]) for r in exported] == [(workshop["id"], VERONIQUE.email)]
    erased = {"member_id": VERONIQUE.member_id, "email": VERONIQUE.email}
    dispatch = event_dispatcher()
    dispatch(
        "gateway",
        "member_erased",
        make_event("gateway", "member_erased", erased, territory=territory),
    )
    wait_until(lambda: not Rsvp.objects(member_id=VERONIQUE.member_id).count())
    [kept] = Rsvp.objects(workshop_id=workshop["id"], status="confirmed")
    assert (kept.name, kept.email) == (None, None)
    assert not Rsvp.objects(email=VERONIQUE.email).count()
    assert taken(workshop) == 1  # her seat still counts
    assert as_(VERONIQUE).clubs.export_member()["rsvps"] == []


def test_new_times_name_the_participants_to_tell_and_the_next_sequence(clubs, as_):
    """``workshop_updated`` with new times carries who has a seat (not who waits) and the
    new version; a change of title alone names nobody."""
    workshop = new_workshop(as_, 1)
    as_(VERONIQUE).clubs.rsvp(workshop["id"], uuid.uuid4().hex)
    as_(person(1)).clubs.rsvp(workshop["id"], uuid.uuid4().hex)  # waits
    updated = EventTap_for(clubs, "workshop_updated")
    manager = as_(MANAGER).clubs
    manager.update_workshop(workshop["id"], {"title": "Atelier compost d'hiver"}, "w-title")
    manager.update_workshop(
        workshop["id"], {"start": later(4), "end": later(4.1)}, uuid.uuid4().hex
    )
    renamed, moved = updated.take(2)
    updated.close()
    assert (renamed["data"]["changed"], renamed["data"]["participants"]) == (["title"], [])
    assert moved["data"]["changed"] == ["end", "start"]
    assert moved["data"]["participants"] == [VERONIQUE.member_id]
    assert moved["data"]["sequence"] == 1
    assert moved["data"]["title"] == "Atelier compost d'hiver"
