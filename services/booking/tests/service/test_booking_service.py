"""Booking service against a real RabbitMQ vhost and SecantusDB."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pika
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcClient

from contracts.errors import remote_error
from contracts.identity import CONTEXT_KEY
from services.booking.models import KnownPlace
from services.booking.service import BookingService
from services.booking.tests.loads import quarter_loads, taken_list
from services.common.envelope import make_event
from services.common.tests.callers import ADMIN, VERONIQUE
from tests.samples import PLACE
from tests.support import EventTap, error_code, metric_value, wait_until


def at(hours: float) -> str:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    return (base + timedelta(hours=hours)).isoformat()


@pytest.fixture
def booking(start_service):
    return start_service(BookingService)


def new_resource(rpc, seats: int = 2) -> dict:
    # Booking knows places from the directory's events: give it this one directly.
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Salle Valensole", "kind": "meeting_room", "seats": seats}
    return rpc.booking.create_resource("place-1", payload, uuid.uuid4().hex)


def test_a_resource_of_a_place_booking_never_heard_of_is_refused(booking, as_):
    payload = {"name": "Bureau", "kind": "office", "seats": 1}
    admin = as_(ADMIN)  # an admin may add to any place: only the place is wrong
    with pytest.raises(RemoteError) as error:
        admin.booking.create_resource("unheard-of", payload, uuid.uuid4().hex)
    assert error_code(error.value) == "unknown_place"
    assert admin.booking.list_resources("unheard-of") == []


def request(resource_id: str, start: float, end: float, seats: int = 1) -> dict:
    return {
        "resource_id": resource_id,
        "start": at(start),
        "end": at(end),
        "seats": seats,
        "name": "Véronique",
        "email": "veronique@example.org",
    }


def test_booking_is_confirmed_and_its_event_published(booking, manager, member, amqp_uri):
    tap = EventTap(amqp_uri, "booking", "booking_confirmed")
    resource = new_resource(manager)
    created = member.booking.create_booking(request(resource["id"], 0, 2), "k1")
    assert created["status"] == "confirmed"
    [event] = tap.take(1)
    tap.close()
    assert event["type"] == "booking_confirmed"
    assert event["data"]["booking_id"] == created["id"]
    assert event["data"]["resource_name"] == "Salle Valensole"
    assert set(event) >= {"event_id", "occurred_at", "territory", "schema_version"}


def test_same_idempotency_key_books_once(booking, manager, member):
    resource = new_resource(manager, seats=1)
    first = member.booking.create_booking(request(resource["id"], 0, 1), "same-key")
    again = member.booking.create_booking(request(resource["id"], 0, 1), "same-key")
    assert again["id"] == first["id"]
    assert len(member.booking.list_bookings(resource["id"])) == 1
    assert taken_list(resource["id"]) == [1, 1, 1, 1]


def test_reusing_a_key_for_another_booking_is_refused(booking, manager, member):
    resource = new_resource(manager)
    member.booking.create_booking(request(resource["id"], 0, 1), "reused")
    with pytest.raises(RemoteError) as error:
        member.booking.create_booking(request(resource["id"], 5, 6), "reused")
    assert error_code(error.value) == "idempotency_key_reused"


def test_overlap_is_refused_and_adjacent_is_not(booking, manager, member):
    resource = new_resource(manager, seats=1)
    member.booking.create_booking(request(resource["id"], 1, 3), uuid.uuid4().hex)
    with pytest.raises(RemoteError) as error:
        member.booking.create_booking(request(resource["id"], 2.5, 4), uuid.uuid4().hex)
    assert error_code(error.value) == "no_seat_left"
    assert member.booking.create_booking(request(resource["id"], 3, 4), uuid.uuid4().hex)
    # 01:00 is full: 00:30 and 00:45 are not taken either (one conditional write per day).
    with pytest.raises(RemoteError) as error:
        member.booking.create_booking(request(resource["id"], 0.5, 2), uuid.uuid4().hex)
    assert error_code(error.value) == "no_seat_left"
    loads = {slot.strftime("%H:%M"): n for slot, n in quarter_loads(resource["id"]).items()}
    assert loads.get(at(0.5)[11:16], 0) == loads.get(at(0.75)[11:16], 0) == 0
    assert sum(loads.values()) == 8 + 4  # the quarters of 01:00–03:00 and 03:00–04:00 only
    assert member.booking.create_booking(request(resource["id"], 0, 1), uuid.uuid4().hex)
    assert max(taken_list(resource["id"])) == 1


def test_concurrent_requests_never_overbook_the_last_seats(booking, manager, service_config):
    resource = new_resource(manager, seats=3)
    as_veronique = {CONTEXT_KEY: VERONIQUE.to_context()}

    def attempt(n: int) -> str:
        with ClusterRpcClient(timeout=30, context_data=as_veronique) as rpc:
            try:
                rpc.booking.create_booking(request(resource["id"], 0, 2), f"c{n}")
                return "ok"
            except RemoteError as exc:
                return error_code(exc)

    outcomes = list(eventlet.GreenPool(20).imap(attempt, range(20)))
    assert outcomes.count("ok") == 3
    assert outcomes.count("no_seat_left") == 17
    assert set(taken_list(resource["id"])) == {3}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"end": at(-1)}, "end_not_after_start"),
        ({"seats": 3}, "too_many_seats"),
        ({"seats": "2"}, "validation_failed"),
        ({"email": "not-an-email"}, "validation_failed"),
        ({"colour": "blue"}, "validation_failed"),
        ({"start": at(-24 * 10), "end": at(-24 * 10 + 1)}, "start_in_past"),
        ({"end": at(24 * 20)}, "booking_too_long"),
    ],
)
def test_bad_booking_requests_are_typed_errors_and_book_nothing(
    booking, manager, member, change, code
):
    resource = new_resource(manager)
    with pytest.raises(RemoteError) as error:
        member.booking.create_booking({**request(resource["id"], 0, 1), **change}, uuid.uuid4().hex)
    assert error_code(error.value) == code
    assert member.booking.list_bookings(resource["id"]) == []
    assert quarter_loads(resource["id"]) == {}


def test_unknown_resource_is_not_found(booking, member):
    with pytest.raises(RemoteError) as error:
        member.booking.create_booking(request("0" * 24, 0, 1), uuid.uuid4().hex)
    assert error_code(error.value) == "not_found"


def test_malformed_rpc_request_is_rejected_and_the_service_survives(booking, rpc_client, amqp_uri):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    reply_queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(reply_queue, "nameko-rpc", routing_key=reply_queue)
    # no content_type: nameko alone would crash-loop on this message
    channel.basic_publish(
        "nameko-rpc",
        "booking.health",
        b"not json at all",
        pika.BasicProperties(reply_to=reply_queue, correlation_id="bad-1"),
    )
    reply = None
    for _ in range(200):
        method, props, body = channel.basic_get(reply_queue, auto_ack=True)
        if method:
            reply = json.loads(body)
            break
        connection.sleep(0.05)
    connection.close()
    assert reply is not None and remote_error(reply["error"]["exc_args"])[1] == "malformed_request"
    assert rpc_client.booking.health() == {"service": "booking", "status": "ok"}


def test_place_events_feed_the_projection_once(booking, service_config, territory):
    dispatch = event_dispatcher()
    event = make_event(
        "directory",
        "place_created",
        {"place_id": "p-riez", **PLACE},
        territory=territory,
    )
    labels = {"service": "booking", "handler": "on_place_created"}

    def handled(outcome: str) -> float:
        return metric_value("maillage_events_handled_total", outcome=outcome, **labels)

    ran_before, skipped_before = handled("ok"), handled("duplicate")
    dispatch("directory", "place_created", event)
    place = wait_until(lambda: KnownPlace.objects(place_id="p-riez").first())
    assert place.name == "Tiers-lieu de Riez"
    # Once the inbox is done with it (the projection is written before that: a redelivery
    # racing the first would run again, harmlessly, as at-least-once allows).
    wait_until(lambda: handled("ok") >= ran_before + 1)
    dispatch("directory", "place_created", event)  # delivered again
    # The positive signal: the inbox is done with both deliveries, whatever it made of them.
    wait_until(lambda: handled("ok") + handled("duplicate") >= ran_before + skipped_before + 2)
    # The handler itself ran once (its writes being idempotent would hide a second run).
    assert (handled("ok"), handled("duplicate")) == (ran_before + 1, skipped_before + 1)


def test_place_updates_keep_the_projection_current_and_a_late_one_changes_nothing(
    booking, service_config, territory
):
    dispatch = event_dispatcher()

    def send(event_type: str, data: dict) -> None:
        dispatch(
            "directory", event_type, make_event("directory", event_type, data, territory=territory)
        )

    send("place_created", {"place_id": "p-moved", **PLACE, "version": 1})

    def renamed(version: int, name: str) -> dict:
        where = {"lat": 43.82, "lon": 6.1}
        return {
            "place_id": "p-moved",
            "version": version,
            "changes": {"name": name},
            "name": name,
            "commune": "Riez",
            "location": where,
            "opening_hours": None,
        }

    send("place_updated", renamed(3, "La Ruche de Riez"))
    send("place_updated", renamed(2, "Un ancien nom"))  # published late
    send(
        "place_status_changed",
        {
            "place_id": "p-moved",
            "version": 4,
            "status": "closed",
            "previous": "open",
            "since": "2026-12-31",
        },
    )
    place = wait_until(lambda: KnownPlace.objects(place_id="p-moved", status="closed").first())
    assert (place.name, place.lat, place.version, place.status_version) == (
        "La Ruche de Riez",
        43.82,
        3,
        4,
    )


def test_abandoned_pending_booking_gives_its_seats_back(booking, manager, member):
    from services.booking import capacity, commands, rules
    from services.booking.models import Booking
    from services.booking.rules import states

    resource = new_resource(manager, seats=1)
    wanted = request(resource["id"], 0, 1)
    # A worker held the seat, then died before confirming: nobody retries its key.
    crashed = Booking(
        resource_id=resource["id"],
        start=datetime.fromisoformat(wanted["start"]),
        end=datetime.fromisoformat(wanted["end"]),
        seats=1,
        name="X",
        email="x@example.org",
        idempotency_key="crashed",
        fingerprint="-",
        created_at=datetime.now(UTC) - timedelta(minutes=10),
    )
    crashed.save(force_insert=True)
    slots = rules.slots(crashed.start, crashed.end)
    assert capacity.hold_all(resource["id"], slots, str(crashed.id), 1, 1)
    with pytest.raises(RemoteError):
        member.booking.create_booking(wanted, uuid.uuid4().hex)

    in_progress = Booking(
        resource_id=resource["id"],
        start=crashed.start + timedelta(hours=5),
        end=crashed.end + timedelta(hours=5),
        seats=1,
        name="Y",
        email="y@example.org",
        idempotency_key="in-progress",
        fingerprint="-",
    )
    in_progress.save(force_insert=True)
    assert commands.release_abandoned(datetime.now(UTC)) == 1
    assert Booking.objects(id=in_progress.id).first().status == states.HELD
    assert Booking.objects(id=crashed.id).first().status == states.REJECTED
    assert member.booking.create_booking(wanted, uuid.uuid4().hex)["status"] == "confirmed"
    assert commands.release_abandoned(datetime.now(UTC)) == 0
