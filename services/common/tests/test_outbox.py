"""The outbox relay's rules (publish under a lease, clear only what was published) against
mongomock, without a broker: ``publish`` is replaced by a list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from mongoengine import StringField

from services.common.outbox import LEASE, EventStager, OutboxDocument, OutboxRelay
from tests.samples import PLACE
from tests.support import metric_value, mongomock_alias

SERVICE = "unit-outbox"


class Thing(OutboxDocument):
    meta = {"db_alias": "unit", "collection": "things"}
    name = StringField()


@pytest.fixture
def db():
    with mongomock_alias("unit") as database:
        yield database


@pytest.fixture
def relay(db) -> OutboxRelay:
    relay = OutboxRelay(Thing)
    relay.container = SimpleNamespace(service_name=SERVICE)
    relay.settings = SimpleNamespace(territory="verdon", outbox_poll_seconds=0.1)
    relay.published = []
    relay.publish = relay.published.append
    return relay


def ev(n: int) -> dict:
    return {"event_id": f"e{n}", "type": "thing_made", "data": {"n": n}}


def raw(thing: Thing) -> dict:
    return Thing._get_collection().find_one({"_id": thing.id})


def test_stage_marks_the_document_and_the_relay_publishes_then_clears(relay):
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.stage(ev(2))
    thing.save()
    assert raw(thing)["outbox_pending"] is True
    before = metric_value("maillage_events_published_total", service=SERVICE, type="thing_made")
    assert relay.drain() == 2
    assert relay.published == [ev(1), ev(2)]
    doc = raw(thing)
    assert doc["outbox"] == []
    assert "outbox_pending" not in doc and "outbox_lease" not in doc
    assert relay.drain() == 0  # nothing published twice
    assert (
        metric_value("maillage_events_published_total", service=SERVICE, type="thing_made")
        == before + 2
    )


def test_staging_is_the_same_as_update_arguments(relay):
    thing = Thing(name="a")
    thing.save()
    Thing.objects(id=thing.id).update_one(**Thing.staging(ev(1)))
    assert raw(thing)["outbox"] == [ev(1)] and raw(thing)["outbox_pending"] is True
    assert relay.drain() == 1


def test_events_added_while_publishing_are_kept_for_the_next_round(relay):
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.save()

    def publish_while_a_writer_appends(event):
        relay.published.append(event)
        if event["event_id"] == "e1":
            Thing.objects(id=thing.id).update_one(**Thing.staging(ev(2)))

    relay.publish = publish_while_a_writer_appends
    assert relay.drain() == 1
    doc = raw(thing)
    assert doc["outbox"] == [ev(2)]  # e1 gone, e2 kept
    assert doc["outbox_pending"] is True and "outbox_lease" not in doc
    assert relay.drain() == 1
    assert relay.published == [ev(1), ev(2)]
    assert raw(thing)["outbox"] == []


def test_a_document_leased_by_another_replica_is_left_alone(relay):
    thing = Thing(name="a")
    thing.stage(ev(1))
    # Not what this relay would set (times are stored to the millisecond: a lease equal to
    # ours would look "not modified" and hide a relay that ignores leases).
    thing.outbox_lease = datetime.now(UTC) + LEASE / 2
    thing.save()
    assert relay.drain() == 0
    assert relay.published == []
    assert raw(thing)["outbox"] == [ev(1)]


def test_an_expired_lease_is_taken_over(relay):
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.outbox_lease = datetime.now(UTC) - timedelta(seconds=1)
    thing.save()
    assert relay.drain() == 1
    assert raw(thing)["outbox"] == []


def test_the_relay_leases_before_publishing(relay):
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.save()
    seen = []
    relay.publish = lambda event: seen.append(raw(thing).get("outbox_lease"))
    relay.drain()
    [lease] = seen
    remaining = lease - datetime.now(UTC)
    assert LEASE - timedelta(seconds=5) < remaining <= LEASE


def test_a_replica_that_read_events_another_has_since_published_publishes_nothing(relay):
    """Two replicas read the same pending events; one publishes and clears them, a new event
    arrives, then the slow one claims the lease: it must neither publish again what it read
    nor clear the new event it never read (which would be lost)."""
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.save()
    collection = Thing._get_collection()
    stale = collection.find_one({"_id": thing.id})["outbox"]  # the slow replica's read
    assert relay.drain() == 1  # the fast replica publishes e1 and clears it
    Thing.objects(id=thing.id).update_one(**Thing.staging(ev(2)))  # a new event
    assert relay._relay_one(collection, thing.id, stale) == 0
    assert relay.published == [ev(1)]
    assert raw(thing)["outbox"] == [ev(2)] and raw(thing)["outbox_pending"] is True
    assert relay.drain() == 1
    assert relay.published == [ev(1), ev(2)]


def test_documents_without_events_are_not_touched(relay):
    Thing(name="quiet").save()
    assert relay.drain() == 0
    assert relay.published == []


def test_a_failed_publish_keeps_the_events(relay):
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.save()

    def broker_away(event):
        raise ConnectionError("broker away")

    relay.publish = broker_away
    with pytest.raises(ConnectionError):
        relay.drain()
    assert raw(thing)["outbox"] == [ev(1)] and raw(thing)["outbox_pending"] is True


def test_the_backlog_gauge_counts_documents_with_pending_events(relay):
    for n in range(3):
        thing = Thing(name=str(n))
        thing.stage(ev(n))
        thing.save()
    relay._measure_backlog()
    assert metric_value("maillage_outbox_backlog", service=SERVICE) == 3
    relay._backlog_at = float("-inf")
    assert relay.drain() == 3  # every document's events, counted
    assert metric_value("maillage_outbox_backlog", service=SERVICE) == 0


def test_the_backlog_is_measured_at_most_every_few_seconds(relay):
    relay._measure_backlog()
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.save()
    relay._measure_backlog()  # too soon: not counted again
    assert metric_value("maillage_outbox_backlog", service=SERVICE) == 0


def test_publish_sends_to_the_service_exchange_with_the_correlation_id():
    sent = []
    relay = OutboxRelay(Thing)
    relay.exchange = "exchange"
    relay.publisher = SimpleNamespace(publish=lambda body, **kw: sent.append((body, kw)))
    relay.publish({**ev(1), "correlation_id": "corr-9"})
    relay.publish(ev(2))
    assert sent == [
        (
            {**ev(1), "correlation_id": "corr-9"},
            {
                "exchange": "exchange",
                "routing_key": "thing_made",
                "extra_headers": {"nameko.correlation_id": "corr-9"},
            },
        ),
        (ev(2), {"exchange": "exchange", "routing_key": "thing_made", "extra_headers": {}}),
    ]


def test_the_stager_builds_envelopes_for_the_service_and_wakes_the_relay(relay):
    from eventlet.event import Event

    relay.container.service_name = "directory"
    stager = EventStager(relay, "corr-7")
    event = stager.event("place_created", {"place_id": "p1", **PLACE})
    assert event["source"] == "directory" and event["type"] == "place_created"
    assert event["territory"] == "verdon" and event["correlation_id"] == "corr-7"
    relay._wake = Event()
    stager.flush()
    assert relay._wake.ready()
    stager.flush()  # twice before the relay wakes: still fine


class Other(OutboxDocument):
    meta = {"db_alias": "unit", "collection": "others"}
    name = StringField()


def test_a_kick_naming_a_document_drains_its_collection_alone_and_the_poll_every_one(db):
    import eventlet
    from eventlet.event import Event

    relay = OutboxRelay(Thing, Other)
    relay.container = SimpleNamespace(service_name=SERVICE)
    relay.settings = SimpleNamespace(territory="verdon", outbox_poll_seconds=0.3)
    relay.published = []
    relay.publish = relay.published.append
    read: list[str] = []
    real = relay.drain

    def drain(only=None):
        read.append("all" if only is None else ",".join(sorted(d.__name__ for d in only)))
        return real(only)

    relay.drain = drain
    relay._wake, relay._running = Event(), True
    thread = eventlet.spawn(relay._run)
    eventlet.sleep(0)  # the first round, at start: every collection
    other = Other(name="left")
    other.stage(ev(9))
    other.save()
    thing = Thing(name="a")
    thing.stage(ev(1))
    thing.save()
    relay.kick(Thing)
    eventlet.sleep(0.05)  # woken by the kick: reads things only
    assert read[:2] == ["all", "Thing"] and relay.published == [ev(1)]
    eventlet.sleep(0.4)  # the poll finds what no kick named
    assert read[2] == "all" and relay.published == [ev(1), ev(9)]
    relay.kick()  # a kick naming nothing: every collection
    eventlet.sleep(0.05)
    assert read[3] == "all"
    relay._running = False
    relay.kick()
    thread.wait()


def test_a_pending_mark_without_events_is_dropped(relay):
    thing = Thing(name="a")
    thing.outbox_pending = True
    thing.save()
    assert relay.drain() == 0
    assert "outbox_pending" not in raw(thing)
