"""The gateway's outbox and relay (gateway/events.py), on mongomock with a fake broker."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from pika.exceptions import AMQPConnectionError
from pydantic import ValidationError

from contracts.events import SCHEMA_VERSION
from gateway.app import create_app
from gateway.events import LEASE, GatewayEvents
from services.common.envelope import is_envelope

from .fakes import (
    FakePublisher,
    FakeRpc,
    TestClient,
    app_for,
    memory_db,
    outbox_events,
    settings,
)

LINK = {
    "email": "marceline@example.org",
    "name": "Marceline",
    "language": "fr",
    "link": "http://127.0.0.1:8000/auth/confirm?token=secret-token",
    "expires_at": "2030-05-02T10:00:00+02:00",
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 5, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def relay(db, publisher: FakePublisher, clock: Clock | None = None) -> GatewayEvents:
    return GatewayEvents(db, "verdon", lambda: publisher, clock=clock)


def test_emit_stores_a_valid_envelope_pending():
    db = memory_db()
    events = relay(db, FakePublisher())
    event = events.emit("email_confirmation_requested", LINK, correlation_id="c-1")
    assert is_envelope(event)
    assert event["source"] == "gateway" and event["type"] == "email_confirmation_requested"
    assert event["territory"] == "verdon" and event["schema_version"] == SCHEMA_VERSION
    assert event["correlation_id"] == "c-1" and event["data"] == LINK
    stored = db.outbox.find_one({"_id": event["event_id"]})
    assert stored["pending"] is True and stored["event"] == event
    assert events.backlog() == 1


def test_emit_refuses_data_that_breaks_the_contract_and_stores_nothing():
    db = memory_db()
    events = relay(db, FakePublisher())
    with pytest.raises(ValidationError):
        events.emit("member_registered", {"member_id": "m1", "email": "a@example.org"})
    with pytest.raises(ValidationError):  # extra fields are refused too (extra="forbid")
        events.emit("member_erased", {"member_id": "m1", "email": "a@x.org", "name": "A"})
    with pytest.raises(KeyError):
        events.emit("member_vanished", {"member_id": "m1"})
    assert db.outbox.count_documents({}) == 0


def test_relay_publishes_each_event_once_in_order_and_keeps_no_data():
    db = memory_db()
    publisher = FakePublisher()
    clock = Clock()
    events = relay(db, publisher, clock)
    first = events.emit("member_registered", {"member_id": "m1", "email": "a@x.org", "name": "A"})
    clock.now += timedelta(seconds=1)
    second = events.emit("member_erased", {"member_id": "m1", "email": "a@x.org"})
    assert events.drain() == 2
    assert [e["event_id"] for e in publisher.published] == [first["event_id"], second["event_id"]]
    assert publisher.published[0] == first
    assert events.drain() == 0  # nothing twice
    assert len(publisher.published) == 2
    assert events.backlog() == 0
    for doc in db.outbox.find():  # a trace of what went out, without addresses or links
        assert "pending" not in doc and doc["sent_at"]
        assert "data" not in doc["event"]


def test_relay_keeps_the_event_while_publishing_fails_then_sends_it():
    db = memory_db()
    publisher = FakePublisher()
    events = relay(db, publisher)
    event = events.emit("sign_in_link_requested", LINK)
    publisher.fail = AMQPConnectionError("broker away")
    for _ in range(3):
        with pytest.raises(AMQPConnectionError):
            events.drain()
    stored = db.outbox.find_one({"_id": event["event_id"]})
    assert stored["pending"] is True and stored["event"]["data"] == LINK
    assert "lease" not in stored  # given back at once: no 30 s wait for the retry
    publisher.fail = None
    assert events.drain() == 1
    assert publisher.published == [event]


def test_two_relays_never_both_publish_an_event_under_its_lease():
    db = memory_db()
    clock = Clock()
    mine, theirs = FakePublisher(), FakePublisher()
    a, b = relay(db, mine, clock), relay(db, theirs, clock)
    for n in range(5):
        a.emit("member_erased", {"member_id": f"m{n}", "email": f"m{n}@x.org"})
    # While A publishes an event it holds, B runs whole passes: B must not take A's event.
    mine.during = lambda event: b.drain()
    a.drain()
    ids = [e["event_id"] for e in mine.published + theirs.published]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 5


def test_a_lease_left_by_a_dead_relay_expires_and_another_relay_sends_the_event():
    db = memory_db()
    clock = Clock()
    alive = FakePublisher()
    b = relay(db, alive, clock)
    event = b.emit("member_erased", {"member_id": "m1", "email": "a@x.org"})
    # Another replica claimed it and died before publishing: its lease is all that is left.
    db.outbox.update_one(
        {"_id": event["event_id"]}, {"$set": {"lease": clock.now + LEASE, "relay": "dead"}}
    )
    assert b.drain() == 0  # still under the dead relay's lease
    clock.now += LEASE + timedelta(seconds=1)
    assert b.drain() == 1
    assert alive.published == [event]


def test_the_app_runs_the_relay_in_its_lifespan():
    db = memory_db()
    assert isinstance(app_for(FakeRpc(), db).state.events, GatewayEvents)  # by default
    publisher = FakePublisher()
    events = GatewayEvents(db, "verdon", lambda: publisher, poll_seconds=0.05)
    app = create_app(settings(), rpc=FakeRpc(), db=db, events=events)
    with TestClient(app):
        event = app.state.events.emit("member_erased", {"member_id": "m1", "email": "a@x.org"})
        assert wait_for(lambda: publisher.published == [event])
    assert events._thread is None  # stopped on shutdown
    assert outbox_events(db)[0]["event_id"] == event["event_id"]


def wait_for(condition, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False
