"""Subscriptions' rules against mongomock: months arithmetic, and what happens to a
subscription whose worker died mid-way (swept) or was swept while it worked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import worker_factory

from contracts.booking import AttemptExpired
from services.booking import commands, projections, queries, subscriptions
from services.booking.models import ResidentMonth, Subscription
from services.booking.rules import residents
from services.booking.rules.states import ABANDONED_AFTER
from services.booking.service import BookingService
from services.common.tests.callers import MANAGER
from tests.support import RESULT, RecordingStager

NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def pool(db) -> dict:
    projections.remember_place({"place_id": "p1", "name": "Arrêt Minute", "commune": "Pomerol"})
    payload = {"name": "Espace", "kind": "desk_pool", "seats": 7, "resident_seats": 1}
    return commands.create_resource("p1", payload, "pool-key", RecordingStager("booking"), MANAGER)


def counts(resource_id: str) -> dict[str, int]:
    return {m.month: m.count for m in ResidentMonth.objects(resource_id=resource_id) if m.count}


def subscribe(pool: dict, key: str = "s1", start: str = "2030-02", months: int = 2) -> dict:
    body = {"name": "Claire", "email": "claire@example.org", "start": start, "months": months}
    return subscriptions.create_subscription(
        pool["id"], body, key, RecordingStager("booking"), MANAGER
    )


def test_months_run_across_the_year_end():
    assert residents.months("2030-11", 3) == ["2030-11", "2030-12", "2031-01"]
    assert residents.months("2030-12", 1) == ["2030-12"]


@pytest.mark.parametrize(
    ("start", "count", "now", "first_free"),
    [
        ("2030-02", 3, datetime(2030, 1, 7, tzinfo=UTC), "2030-02"),  # not begun: all of it
        ("2030-01", 3, datetime(2030, 1, 7, tzinfo=UTC), "2030-02"),  # January is kept
        ("2029-11", 3, datetime(2030, 1, 7, tzinfo=UTC), "2030-02"),  # its last month under way
        ("2029-01", 2, datetime(2030, 1, 7, tzinfo=UTC), "2029-03"),  # all past: nothing
    ],
)
def test_the_first_month_given_back_on_cancellation(start, count, now, first_free):
    assert residents.first_free_month(start, count, now) == first_free


def test_a_subscription_left_held_is_swept_and_its_months_given_back(pool):
    # A worker took the months, then died before activating the subscription.
    held = Subscription(
        resource_id=pool["id"], place_id="p1", name="Claire", start="2030-02", months=2,
        status=residents.HELD, idempotency_key="k", fingerprint="f", created_at=NOW,
    )  # fmt: skip
    held.save()
    assert subscriptions.hold_months(pool["id"], ["2030-02", "2030-03"], str(held.id), 1) is None
    assert subscriptions.release_abandoned(NOW + ABANDONED_AFTER - timedelta(seconds=1)) == 0
    assert counts(pool["id"]) == {"2030-02": 1, "2030-03": 1}
    assert subscriptions.release_abandoned(NOW + ABANDONED_AFTER) == 1
    assert Subscription.objects.get(id=held.id).status == residents.REJECTED
    assert counts(pool["id"]) == {}
    assert subscribe(pool)["status"] == "active"  # the seat is free again


def test_a_subscription_swept_while_it_worked_gives_its_months_back(pool, monkeypatch):
    real = subscriptions.hold_months

    def slow(resource_id, months, subscription_id, resident_seats):
        held = real(resource_id, months, subscription_id, resident_seats)
        # The sweep rejects it meanwhile (it looked abandoned).
        Subscription.objects(id=subscription_id).update_one(set__status=residents.REJECTED)
        return held

    monkeypatch.setattr(subscriptions, "hold_months", slow)
    with pytest.raises(AttemptExpired):
        subscribe(pool)
    assert counts(pool["id"]) == {}


# --- the service's entrypoints: one line each, the right delegate ----------------------------
@pytest.fixture
def worker():
    return worker_factory(BookingService)


def test_subscription_entrypoints_go_to_their_delegates_with_the_caller(worker, delegate):
    fake = delegate(subscriptions, "create_subscription")
    assert worker.create_subscription("r1", {"name": "C"}, "k1") is RESULT
    fake.assert_called_once_with("r1", {"name": "C"}, "k1", worker.events, worker.caller)
    fake = delegate(subscriptions, "cancel_subscription")
    assert worker.cancel_subscription("s1", "k2") is RESULT
    fake.assert_called_once_with("s1", "k2", worker.events, worker.caller)
    fake = delegate(queries, "list_subscriptions")
    assert worker.list_subscriptions("r1") is RESULT
    fake.assert_called_once_with("r1", worker.caller)
    fake = delegate(queries, "my_subscriptions")
    assert worker.my_subscriptions() is RESULT
    fake.assert_called_once_with(worker.caller)


def test_the_subscription_sweep_timer_passes_the_current_time(worker, delegate):
    fake = delegate(subscriptions, "release_abandoned")
    before = datetime.now(UTC)
    assert worker.release_abandoned_subscriptions() is RESULT
    [now] = fake.call_args.args
    assert before <= now <= datetime.now(UTC) and now.tzinfo is not None
