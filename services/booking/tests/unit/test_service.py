"""The booking service without broker or server: each entrypoint hands its arguments to the
right command or query (``worker_factory``), and the commands' database rules on mongomock.

The same commands against RabbitMQ and SecantusDB: ``tests/service``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory

from contracts.booking import AttemptExpired, NoSeatLeft, UnknownPlace
from contracts.errors import IdempotencyMismatch
from services.booking import capacity, commands, projections, queries, rules
from services.booking.models import Booking, KnownPlace, Resource
from services.booking.rules import states
from services.booking.service import BookingService
from services.booking.tests.loads import taken_list
from services.common.tests.callers import ADMIN, MANAGER, VERONIQUE
from tests.support import RESULT, RecordingStager

CALLER = object()  # stands for the worker's caller dependency in the table below


@pytest.fixture
def worker():
    return worker_factory(BookingService)


# --- entrypoints: one line each, the right delegate, the right arguments ----------------------
@pytest.mark.parametrize(
    ("entrypoint", "args", "module", "function", "expected"),
    [
        ("list_resources", ("p1",), queries, "list_resources", ("p1",)),
        ("list_resources", (), queries, "list_resources", (None,)),
        ("get_resource", ("r1",), queries, "get_resource", ("r1",)),
        ("get_booking", ("b1",), queries, "get_booking", ("b1", CALLER)),
        ("list_bookings", ("r1",), queries, "list_bookings", ("r1", CALLER)),
        ("list_bookings", (), queries, "list_bookings", (None, CALLER)),
        ("my_bookings", (), queries, "my_bookings", (CALLER,)),
        (
            "availability",
            ("r1", "2026-06-01", None),
            queries,
            "availability",
            ("r1", "2026-06-01", None),
        ),
    ],
)
def test_reads_go_to_queries(worker, delegate, entrypoint, args, module, function, expected):
    fake = delegate(module, function)
    assert getattr(worker, entrypoint)(*args) is RESULT
    fake.assert_called_once_with(*(worker.caller if a is CALLER else a for a in expected))


def test_create_resource_goes_to_its_command_with_the_event_stager(worker, delegate):
    fake = delegate(commands, "create_resource")
    assert worker.create_resource("p1", {"name": "Bureau"}, "key-1") is RESULT
    fake.assert_called_once_with(
        "p1", {"name": "Bureau"}, "key-1", worker.events, who=worker.caller
    )


def test_update_resource_goes_to_its_command_with_the_stager_and_the_caller(worker, delegate):
    fake = delegate(commands, "update_resource")
    assert worker.update_resource("r1", {"seats": 2}, "key-4") is RESULT
    fake.assert_called_once_with("r1", {"seats": 2}, "key-4", worker.events, who=worker.caller)


def test_create_booking_goes_to_its_command_with_the_event_stager(worker, delegate):
    fake = delegate(commands, "create_booking")
    assert worker.create_booking({"seats": 1}, "key-2") is RESULT
    fake.assert_called_once_with({"seats": 1}, "key-2", worker.events, who=worker.caller)


def test_cancel_booking_goes_to_its_command_with_the_stager_and_the_caller(worker, delegate):
    fake = delegate(commands, "cancel_booking")
    assert worker.cancel_booking("b1", "key-3") is RESULT
    fake.assert_called_once_with("b1", "key-3", worker.events, worker.caller, payload=None)
    why = {"reason": "Fermé"}
    assert worker.cancel_booking("b1", "key-4", why) is RESULT
    fake.assert_called_with("b1", "key-4", worker.events, worker.caller, payload=why)


def test_the_sweep_timer_passes_the_current_time(worker, delegate):
    fake = delegate(commands, "release_abandoned")
    before = datetime.now(UTC)
    assert worker.release_abandoned() is RESULT
    [now, events] = fake.call_args.args
    assert events is worker.events  # promotes the waitlist of the seats it frees
    assert before <= now <= datetime.now(UTC) and now.tzinfo is not None


def test_place_created_goes_through_the_inbox_to_the_projection(worker, delegate):
    fake = delegate(projections, "remember_place")
    worker.inbox.handle.side_effect = lambda handler, queue, payload, run: run()
    event = {"event_id": "e1", "data": {"place_id": "p1", "name": "Riez"}}
    BookingService.on_place_created(worker, event)
    handler, queue, payload, _run = worker.inbox.handle.call_args.args
    assert (handler, payload) == ("on_place_created", event)
    assert queue.endswith("on_place_created")
    fake.assert_called_once_with({"place_id": "p1", "name": "Riez"})


def test_health_pings_the_database(worker):
    assert worker.health() == {"service": "booking", "status": "ok"}
    worker.db.command.assert_called_once_with("ping")


# --- commands on mongomock ----------------------------------------------------------------------
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)


def wanted(resource_id: str, hours: float = 1, start: float = 0) -> dict:
    begin = NOW + timedelta(days=1, hours=start)
    return {
        "resource_id": resource_id,
        "start": begin.isoformat(),
        "end": (begin + timedelta(hours=hours)).isoformat(),
        "seats": 1,
        "name": "Véronique",
        "email": "veronique@example.org",
    }


def book(resource: dict, key: str, start: float = 0) -> dict:
    return commands.create_booking(
        wanted(resource["id"], start=start), key, RecordingStager("booking"), now=NOW, who=VERONIQUE
    )


def held(
    resource: dict,
    status: str = states.HELD,
    age: timedelta = timedelta(hours=1),
    key: str = "",
    hold: bool = True,
) -> Booking:
    """A booking as a worker that died (or a next issue's command) left it, its seat held
    when its status keeps seats (and ``hold``)."""
    booking = Booking(
        resource_id=resource["id"],
        start=NOW + timedelta(days=1),
        end=NOW + timedelta(days=1, hours=1),
        seats=1,
        name="X",
        email="x@example.org",
        status=status,
        idempotency_key=f"held-{status}-{key}",
        fingerprint="-",
        created_at=NOW - age,
    )
    booking.save(force_insert=True)
    if hold and status in states.HOLDS_SEATS:
        slots = rules.slots(booking.start, booking.end)
        assert capacity.hold_all(resource["id"], slots, str(booking.id), 1, 1)
    return booking


def status_of(booking_id) -> str:
    return Booking._get_collection().find_one({"_id": booking_id})["status"]


def taken(resource: dict) -> list[int]:
    return taken_list(resource["id"])


def test_a_resource_is_created_once_per_key_and_announced_with_its_id(db):
    projections.remember_place({"place_id": "p1", "name": "Riez", "commune": "Riez"})
    events = RecordingStager("booking")
    payload = {"name": "Salle", "kind": "meeting_room", "seats": 8}
    created = commands.create_resource("p1", payload, "r-key", events, who=MANAGER)
    assert commands.create_resource("p1", payload, "r-key", events, who=MANAGER) == created
    assert Resource.objects.count() == 1
    [event] = Resource._get_collection().find_one({})["outbox"]
    assert event["data"]["resource_id"] == created["id"]
    with pytest.raises(IdempotencyMismatch):
        commands.create_resource("p1", {**payload, "seats": 9}, "r-key", events, who=MANAGER)
    with pytest.raises(IdempotencyMismatch):  # the same body for another place is another
        projections.remember_place({"place_id": "p2", "name": "Moustiers", "commune": "M"})
        commands.create_resource("p2", payload, "r-key", events, who=ADMIN)


def test_a_booking_keeps_the_language_and_the_local_time_it_was_made_in(resource):
    begin = datetime(2030, 1, 8, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    asked = {
        **wanted(resource["id"]),
        "start": begin.isoformat(),
        "end": (begin + timedelta(hours=1)).isoformat(),
        "language": "en",
    }
    created = commands.create_booking(
        asked, "en-key", RecordingStager("booking"), now=NOW, who=VERONIQUE
    )
    assert (created["start"], created["language"]) == ("2030-01-08T09:00:00+02:00", "en")
    [event] = Booking._get_collection().find_one({})["outbox"]
    assert (event["data"]["start"], event["data"]["language"]) == (created["start"], "en")


def test_a_resource_of_an_unknown_place_is_refused(db):
    with pytest.raises(UnknownPlace) as refusal:
        commands.create_resource(
            "nowhere", {"name": "B", "kind": "office"}, "k", RecordingStager("booking"), who=ADMIN
        )
    assert refusal.value.params == {"id": "nowhere"}


def test_a_booking_is_confirmed_with_its_event_in_the_same_write(resource):
    created = book(resource, "k1")
    assert created["status"] == "confirmed"
    stored = Booking._get_collection().find_one({"_id": Booking.objects.first().id})
    assert stored["status"] == states.CONFIRMED and stored["status_changed_at"]
    [event] = stored["outbox"]
    assert event["type"] == "booking_confirmed" and event["data"]["place_name"] == "Riez"
    assert (event["data"]["booking_id"], event["data"]["resource_id"]) == (
        created["id"],
        resource["id"],
    )
    assert book(resource, "k1") == created  # the same key answers the same
    assert taken(resource) == [1, 1, 1, 1]


def test_no_seat_left_rejects_the_booking_and_keeps_no_hold(resource):
    book(resource, "first")
    with pytest.raises(NoSeatLeft):
        book(resource, "second", start=0.5)
    assert Booking.objects(idempotency_key="second").first().status == states.REJECTED
    assert max(taken(resource)) == 1
    with pytest.raises(NoSeatLeft) as again:  # its retry says the same, numbers included
        book(resource, "second", start=0.5)
    assert again.value.params == {"seats_total": 1, "seats_taken": 1, "seats_requested": 1}


def test_a_refusal_carries_the_numbers_people_read(resource):
    book(resource, "first")
    with pytest.raises(NoSeatLeft) as refusal:
        book(resource, "second", start=0.5)
    assert refusal.value.params == {"seats_total": 1, "seats_taken": 1, "seats_requested": 1}


def test_a_key_reused_for_another_booking_is_refused_and_books_nothing(resource):
    first = book(resource, "reused")
    with pytest.raises(IdempotencyMismatch):
        book(resource, "reused", start=5)
    assert [b.id for b in Booking.objects] == [Booking.objects(id=first["id"]).first().id]


def test_move_changes_that_booking_and_no_other(resource):
    one = held(resource, age=timedelta(0))
    two = held(resource, age=timedelta(0), key="other", hold=False)
    assert commands.move(two.id, states.HELD, states.REJECTED) is True
    assert (status_of(one.id), status_of(two.id)) == (states.HELD, states.REJECTED)


def test_the_sweep_goes_past_a_young_booking_to_an_old_one(resource):
    young = held(resource, age=timedelta(0), key="young", hold=False)
    old = held(resource, age=states.ABANDONED_AFTER, key="old")
    assert commands.release_abandoned(NOW) == 1
    assert (status_of(young.id), status_of(old.id)) == (states.HELD, states.REJECTED)


def test_the_sweep_counts_every_booking_it_releases(resource):
    for key in ("a", "b", "c"):
        held(resource, status=states.HELD, key=key, hold=False)
    assert commands.release_abandoned(NOW) == 3


def test_move_refuses_a_transition_the_table_does_not_draw(resource):
    booking_id = Booking.objects(id=book(resource, "k")["id"]).first().id
    with pytest.raises(states.IllegalTransition):
        commands.move(booking_id, states.CONFIRMED, states.HELD)
    assert status_of(booking_id) == states.CONFIRMED


def test_move_is_conditional_on_the_status_it_leaves(resource):
    booking_id = Booking.objects(id=book(resource, "k")["id"]).first().id
    # A sweep that read this booking while it was held, and writes after it was confirmed:
    assert commands.move(booking_id, states.HELD, states.REJECTED) is False
    assert status_of(booking_id) == states.CONFIRMED
    assert commands.move(booking_id, states.CONFIRMED, states.CANCELLED) is True
    assert status_of(booking_id) == states.CANCELLED


def test_a_confirm_after_the_sweep_gives_the_seats_back(resource, monkeypatch):
    real_hold_all = capacity.hold_all

    def sweep_meanwhile(*args):  # the sweep runs between our hold and our confirm
        ok = real_hold_all(*args)
        Booking.objects(idempotency_key="slow").update_one(set__status=states.REJECTED)
        return ok

    monkeypatch.setattr(capacity, "hold_all", sweep_meanwhile)
    with pytest.raises(AttemptExpired):
        book(resource, "slow")
    assert taken(resource) == [0, 0, 0, 0]


def test_the_sweep_rejects_an_old_held_booking_and_frees_its_seat(resource):
    old = held(resource, age=states.ABANDONED_AFTER)
    assert commands.release_abandoned(NOW) == 1
    assert status_of(old.id) == states.REJECTED
    assert taken(resource) == [0, 0, 0, 0]
    assert commands.release_abandoned(NOW) == 0


def test_the_sweep_leaves_a_young_held_booking(resource):
    young = held(resource, age=states.ABANDONED_AFTER - timedelta(seconds=1))
    assert commands.release_abandoned(NOW) == 0
    assert status_of(young.id) == states.HELD
    assert taken(resource) == [1, 1, 1, 1]


def test_the_sweep_measures_age_from_the_last_change_of_status(resource):
    # created long ago, then (say) promoted from the waitlist to held a moment ago
    promoted = held(resource, status=states.WAITLISTED)
    assert commands.move(promoted.id, states.WAITLISTED, states.HELD, now=NOW)
    assert commands.release_abandoned(NOW + timedelta(minutes=1)) == 0
    assert status_of(promoted.id) == states.HELD


def test_the_sweep_takes_a_pending_booking_of_an_earlier_version_for_held(resource):
    legacy = held(resource, status=states.LEGACY_PENDING)
    assert commands.release_abandoned(NOW) == 1
    assert status_of(legacy.id) == states.REJECTED
    assert taken(resource) == [0, 0, 0, 0]


@pytest.mark.parametrize(
    "status",
    [states.CONFIRMED, states.AWAITING_APPROVAL, states.WAITLISTED, states.CANCELLED],
)
def test_the_sweep_never_touches_any_other_state(resource, status):
    other = held(resource, status=status, age=timedelta(days=30))
    before = taken(resource)
    assert commands.release_abandoned(NOW) == 0
    assert status_of(other.id) == status
    assert taken(resource) == before


def test_legacy_pending_reads_as_held(resource):
    legacy = held(resource, status=states.LEGACY_PENDING)
    assert Booking.objects(id=legacy.id).first().to_dict()["status"] == "held"


def test_the_projection_keeps_only_what_it_needs(db):
    projections.remember_place({"place_id": "p9", "name": "Lamastre", "commune": "Lamastre"})
    projections.remember_place({"place_id": "p9", "name": "La Grange", "commune": "Lamastre"})
    assert projections.knows_place("p9") and not projections.knows_place("p8")
    assert projections.place_name("p9") == "La Grange"
    assert KnownPlace.objects.count() == 1
