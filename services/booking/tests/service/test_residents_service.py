"""Resident seats of a desk pool through real RPC (RabbitMQ vhost, SecantusDB): the drop-in
share, month subscriptions (all months or none, idempotent, never above the resident seats
under concurrency), cancelling, and seat changes refused under existing bookings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from contracts.identity import CONTEXT_KEY
from services.booking import subscriptions
from services.booking.models import KnownPlace, ResidentMonth
from services.booking.rules import residents
from services.booking.service import BookingService
from services.common.tests.callers import COORDINATOR, MANAGER, OTHER_MANAGER, VERONIQUE
from tests.support import EventTap, error_code

# Arrêt Minute's pool: 5 resident seats and 2 for drop-in.
POOL = {"name": "Espace partagé", "kind": "desk_pool", "seats": 7, "resident_seats": 5}
FAR = "2031-01"  # months to come, whatever the day the tests run


@pytest.fixture
def booking(start_service):
    container = start_service(BookingService)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Arrêt Minute")
    return container


def key() -> str:
    return uuid.uuid4().hex


def subscriber(n: int, start: str = FAR, months: int = 3) -> dict:
    return {
        "name": f"Résident {n}",
        "email": f"resident{n}@example.org",
        "start": start,
        "months": months,
    }


def message(error: RemoteError) -> str:
    """The error's text (nameko's client keeps the class and the text, not the parameters:
    those are checked at the HTTP edge, in tests/e2e/test_subscriptions.py)."""
    return error.value


def counts(resource_id: str) -> dict[str, int]:
    found = ResidentMonth.objects(resource_id=resource_id)
    return {m.month: m.count for m in found if m.count}


def day(hours: float) -> str:
    base = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    return (base + timedelta(days=5, hours=hours)).isoformat()


def drop_in(resource_id: str, seats: int = 1, start: float = 0, end: float = 2) -> dict:
    return {"resource_id": resource_id, "start": day(start), "end": day(end), "seats": seats}


def test_drop_in_bookings_get_the_seats_that_are_not_resident(booking, manager, member):
    pool = manager.booking.create_resource("place-1", POOL, key())
    assert (pool["seats"], pool["resident_seats"]) == (7, 5)
    with pytest.raises(RemoteError) as refusal:
        member.booking.create_booking(drop_in(pool["id"], seats=3), key())
    assert error_code(refusal.value) == "too_many_seats"
    member.booking.create_booking(drop_in(pool["id"]), key())
    member.booking.create_booking(drop_in(pool["id"], start=1, end=3), key())
    with pytest.raises(RemoteError) as refusal:
        member.booking.create_booking(drop_in(pool["id"], start=1.5, end=2), key())
    assert error_code(refusal.value) == "no_seat_left"
    free = member.booking.availability(pool["id"], day(0)[:10], day(0)[:10])["free"]
    assert all(unit["seats_left"] <= 2 for unit in free)


def test_resident_seats_belong_to_desk_pools_and_fit_in_their_seats(booking, manager):
    with pytest.raises(RemoteError) as refusal:
        manager.booking.create_resource("place-1", {**POOL, "resident_seats": 8}, key())
    assert error_code(refusal.value) == "validation_failed"
    room = manager.booking.create_resource(
        "place-1", {"name": "Salle", "kind": "meeting_room", "seats": 8}, key()
    )
    with pytest.raises(RemoteError) as refusal:
        manager.booking.update_resource(room["id"], {"resident_seats": 2}, key())
    assert error_code(refusal.value) == "resident_seats_invalid"
    pool = manager.booking.create_resource("place-1", POOL, key())
    with pytest.raises(RemoteError) as refusal:
        manager.booking.update_resource(pool["id"], {"seats": 4}, key())  # below its 5 residents
    assert error_code(refusal.value) == "resident_seats_invalid"


def test_subscriptions_take_every_month_or_none(booking, manager, amqp_uri):
    tap = EventTap(amqp_uri, "booking", "subscription_started")
    pool = manager.booking.create_resource("place-1", POOL, key())
    for n in range(5):
        manager.booking.create_subscription(pool["id"], subscriber(n), key())
    assert counts(pool["id"]) == {"2031-01": 5, "2031-02": 5, "2031-03": 5}
    # A sixth from December: December and the months before the full one are given back.
    with pytest.raises(RemoteError) as refusal:
        manager.booking.create_subscription(pool["id"], subscriber(6, "2030-12", 2), key())
    assert error_code(refusal.value) == "no_resident_seat_left"
    assert message(refusal.value) == "every resident seat is taken in 2031-01"
    assert counts(pool["id"]) == {"2031-01": 5, "2031-02": 5, "2031-03": 5}
    # After the last full month there is room again.
    later = manager.booking.create_subscription(pool["id"], subscriber(7, "2031-04", 12), key())
    assert later["status"] == "active"
    assert counts(pool["id"])["2032-03"] == 1
    started = tap.take(6)
    assert len(started) == 6
    assert {e["data"]["name"] for e in started} == {f"Résident {n}" for n in (0, 1, 2, 3, 4, 7)}


def test_a_retry_with_the_same_key_subscribes_once(booking, manager):
    pool = manager.booking.create_resource("place-1", POOL, key())
    first = manager.booking.create_subscription(pool["id"], subscriber(1), "sub-key")
    again = manager.booking.create_subscription(pool["id"], subscriber(1), "sub-key")
    assert again == first
    assert counts(pool["id"]) == {"2031-01": 1, "2031-02": 1, "2031-03": 1}
    with pytest.raises(RemoteError) as refusal:
        manager.booking.create_subscription(pool["id"], subscriber(2), "sub-key")
    assert error_code(refusal.value) == "idempotency_key_reused"


def test_concurrent_subscriptions_never_exceed_the_resident_seats(booking, manager, service_config):
    pool = manager.booking.create_resource("place-1", {**POOL, "resident_seats": 3}, key())
    as_manager = {CONTEXT_KEY: MANAGER.to_context()}

    def attempt(n: int) -> str:
        with ClusterRpcClient(timeout=30, context_data=as_manager) as rpc:
            try:
                # Overlapping windows: months 1–3, 2–4, 3–5… of 2031.
                rpc.booking.create_subscription(
                    pool["id"], subscriber(n, f"2031-0{1 + n % 4}"), f"s{n}"
                )
                return "ok"
            except RemoteError as exc:
                return error_code(exc)

    outcomes = list(eventlet.GreenPool(12).imap(attempt, range(12)))
    assert set(outcomes) <= {"ok", "no_resident_seat_left"}
    assert "ok" in outcomes
    month_counts = counts(pool["id"])
    assert max(month_counts.values()) <= 3
    # Every month's holds are exactly the active subscriptions covering it.
    active = [s for s in manager.booking.list_subscriptions(pool["id"]) if s["status"] == "active"]
    assert len(active) == outcomes.count("ok")
    expected: dict[str, int] = {}
    for sub in active:
        for month in residents.months(sub["start"], sub["months"]):
            expected[month] = expected.get(month, 0) + 1
    assert month_counts == expected


def test_cancelling_gives_back_the_months_not_begun(booking, manager, amqp_uri):
    tap = EventTap(amqp_uri, "booking", "subscription_cancelled")
    pool = manager.booking.create_resource("place-1", {**POOL, "resident_seats": 1}, key())
    now = residents.month_of(datetime.now(UTC))
    current = manager.booking.create_subscription(pool["id"], subscriber(1, now, 3), key())
    cancelled = manager.booking.cancel_subscription(current["id"], "cancel-1")
    following = residents.months(now, 3)
    assert (cancelled["status"], cancelled["released_from"]) == ("cancelled", following[1])
    assert counts(pool["id"]) == {now: 1}  # the month under way is kept
    again = manager.booking.cancel_subscription(current["id"], "cancel-2")
    assert again == cancelled
    assert counts(pool["id"]) == {now: 1}
    # The months given back are free for someone else.
    other = manager.booking.create_subscription(pool["id"], subscriber(2, following[1], 2), key())
    assert other["status"] == "active"
    [event] = tap.take(1)
    assert event["data"]["released_from"] == following[1]
    assert tap.take(1, timeout=1) == []  # the second cancellation published nothing


def test_who_may_subscribe_list_and_cancel(booking, as_, manager):
    pool = manager.booking.create_resource("place-1", POOL, key())
    mine = {**subscriber(1), "email": VERONIQUE.email}
    for who in (VERONIQUE, OTHER_MANAGER):
        with pytest.raises(RemoteError) as refusal:
            as_(who).booking.create_subscription(pool["id"], mine, key())
        assert error_code(refusal.value) == "forbidden"
    sub = as_(COORDINATOR).booking.create_subscription(pool["id"], mine, key())
    with pytest.raises(RemoteError) as refusal:
        as_(VERONIQUE).booking.list_subscriptions(pool["id"])
    assert error_code(refusal.value) == "forbidden"
    assert [s["id"] for s in manager.booking.list_subscriptions(pool["id"])] == [sub["id"]]
    assert [s["id"] for s in as_(VERONIQUE).booking.my_subscriptions()] == [sub["id"]]
    assert as_(OTHER_MANAGER).booking.my_subscriptions() == []
    with pytest.raises(RemoteError) as refusal:
        as_(VERONIQUE).booking.cancel_subscription(sub["id"], key())
    assert error_code(refusal.value) == "forbidden"


def test_seats_cannot_go_below_what_is_booked_or_subscribed(booking, manager, member):
    pool = manager.booking.create_resource("place-1", POOL, key())
    member.booking.create_booking(drop_in(pool["id"], seats=2), key())
    for n in range(2):
        manager.booking.create_subscription(pool["id"], subscriber(n), key())
    # Fewer seats, or more of them resident: fewer than 2 drop-in seats that day.
    for change in ({"seats": 6}, {"resident_seats": 6}):
        with pytest.raises(RemoteError) as refusal:
            manager.booking.update_resource(pool["id"], change, key())
        assert error_code(refusal.value) == "seats_below_bookings"
        assert message(refusal.value) == f"2 seat(s) are booked on {day(0)[:10]}; 1 asked"
    # Fewer resident seats than the subscriptions of a month.
    with pytest.raises(RemoteError) as refusal:
        manager.booking.update_resource(pool["id"], {"resident_seats": 1}, key())
    assert error_code(refusal.value) == "resident_seats_below_subscriptions"
    assert message(refusal.value) == "2 subscription(s) in 2031-01; 1 asked"
    # What still fits is accepted: 2 resident and 2 drop-in seats.
    changed = manager.booking.update_resource(pool["id"], {"seats": 4, "resident_seats": 2}, key())
    assert (changed["seats"], changed["resident_seats"]) == (4, 2)
    # A change of unit or time zone keeps the bookings: capacity is counted in UTC quarters.
    moved = manager.booking.update_resource(pool["id"], {"timezone": "America/Cayenne"}, key())
    assert moved["timezone"] == "America/Cayenne"
    with pytest.raises(RemoteError) as refusal:
        member.booking.create_booking(drop_in(pool["id"], start=1, end=2), key())
    assert error_code(refusal.value) == "no_seat_left"


def test_month_holds_give_back_in_reverse_when_one_month_is_full(booking, manager):
    pool = manager.booking.create_resource("place-1", {**POOL, "resident_seats": 1}, key())
    assert subscriptions.hold_months(pool["id"], ["2031-05"], "x", 1) is None
    assert (
        subscriptions.hold_months(pool["id"], ["2031-03", "2031-04", "2031-05"], "y", 1)
        == "2031-05"
    )
    assert counts(pool["id"]) == {"2031-05": 1}
