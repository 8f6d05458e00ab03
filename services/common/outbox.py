"""Transactional outbox: events are stored in the very document write that causes them, then
relayed to RabbitMQ with publisher confirms and removed only once the broker has confirmed.

A crash between the write and the publish loses nothing (the relay finds the event on restart);
a crash between publish and removal publishes twice, which consumers absorb by ``event_id``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import eventlet
import mongoengine
from eventlet.event import Event
from mongoengine.fields import BooleanField, DateTimeField, DictField, ListField
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from .config import container_settings
from .envelope import make_event
from .logs import correlation_id
from .metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG

log = logging.getLogger(__name__)

BATCH = 100
PENDING = {"outbox_pending": True}
# How long a relay may hold a document's events before another replica takes over.
LEASE = timedelta(seconds=30)
BACKLOG_EVERY_SECONDS = 5.0


class OutboxDocument(mongoengine.Document):
    """A document that carries the events its own writes cause.

    ``outbox_pending`` (sparse index) marks documents with events to relay, so the relay
    finds them by an indexed equality instead of scanning for non-empty arrays.
    """

    meta = {
        "abstract": True,
        "auto_create_index": False,
        "indexes": [{"fields": ["outbox_pending"], "sparse": True}],
    }
    outbox = ListField(DictField(), default=list)
    outbox_pending = BooleanField()
    outbox_lease = DateTimeField()  # until when one relay replica owns these events

    def stage(self, event: dict[str, Any]) -> None:
        """Add an event to be written with this document's next save."""
        self.outbox.append(event)
        self.outbox_pending = True

    @staticmethod
    def staging(event: dict[str, Any]) -> dict[str, Any]:
        """The same, as ``update_one`` arguments for a conditional update."""
        return {"push__outbox": event, "set__outbox_pending": True}


class OutboxRelay(DependencyProvider):
    """Publishes the pending events of the given documents; ``get_dependency`` returns an
    ``EventStager`` that builds envelopes and wakes the relay after a write."""

    def __init__(self, *documents: type[mongoengine.Document]):
        self.documents = documents
        self._wake: Event | None = None
        self._running = False
        # What the next round drains: every document (``None``: a poll, a plain kick, the
        # start), or only those named by the kicks since the last round.
        self._next: set[type[mongoengine.Document]] | None = None
        self._backlog_at = float("-inf")

    def setup(self) -> None:
        self.settings = container_settings()
        self.exchange = get_event_exchange(self.container.service_name)
        self.publisher = Publisher(
            config.get(AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI),
            use_confirms=True,
            declare=[self.exchange],
        )

    def start(self) -> None:
        self._running = True
        self._wake = Event()
        self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self) -> None:
        self._running = False
        self.kick()

    def kill(self) -> None:
        self.stop()

    def kick(self, *documents: type[mongoengine.Document]) -> None:
        """Wake the relay; ``documents``: only these were written (the next round reads
        their collections alone; the poll still reads every one, so nothing waits longer
        than ``outbox_poll_seconds`` whatever a kick names)."""
        if not documents:
            self._next = None
        elif self._next is not None:
            self._next.update(documents)
        if self._wake is not None and not self._wake.ready():
            self._wake.send(True)

    def _run(self) -> None:
        while self._running:
            wanted, self._next = self._next, set()
            try:
                self.drain(wanted)
            except Exception:  # broker or database away: keep the events, try again
                log.exception("outbox relay failed; retrying")
                self._next = None  # the next round reads every collection again
            with eventlet.Timeout(self.settings.outbox_poll_seconds, False):
                self._wake.wait()
            if not self._wake.ready():  # the poll, not a kick: every collection
                self._next = None
            self._wake = Event()

    def drain(self, only: set[type[mongoengine.Document]] | None = None) -> int:
        """Publish everything pending (of the ``only`` documents); returns how many events
        went out."""
        sent = 0
        for document in self.documents:
            if only is not None and document not in only:
                continue
            collection = document._get_collection()
            for doc in collection.find(PENDING, {"outbox": 1}).limit(BATCH):
                sent += self._relay_one(collection, doc["_id"], doc.get("outbox", []))
        self._measure_backlog()
        return sent

    def _relay_one(self, collection, doc_id, events: list[dict[str, Any]]) -> int:
        """Publish one document's events under a lease, so that replicas do not double up.

        Three database calls in the usual case (find, claim, clear), all by ``_id``:
        SecantusDB scans the whole collection for findAndModify and for ``$or``.
        """
        if not events:  # a mark without events: drop it, or the relay reads it every round
            collection.update_one(
                {"_id": doc_id, "outbox": {"$size": 0}},
                {"$unset": {"outbox_pending": 1, "outbox_lease": 1}},
            )
            return 0
        now = datetime.now(UTC)
        # ``events`` were read before the claim: another replica may have published and
        # cleared them since, and new ones arrived. Only the lease holder removes, always a
        # prefix, so a first event still first means our read is a prefix of what is there.
        taken = collection.update_one(
            {
                "_id": doc_id,
                "outbox_pending": True,
                "outbox_lease": {"$not": {"$gt": now}},
                "outbox.0.event_id": events[0]["event_id"],
            },
            {"$set": {"outbox_lease": now + LEASE}},
        )
        if not taken.modified_count:
            return 0  # another replica holds it, or has published what we read
        service = self.container.service_name
        for event in events:
            self.publish(event)
            EVENTS_PUBLISHED.labels(service, event["type"]).inc()
        # Writers only append, and only the lease holder removes: an outbox still of the size
        # we read holds exactly what we published.
        done = collection.update_one(
            {"_id": doc_id, "outbox": {"$size": len(events)}},
            {"$set": {"outbox": []}, "$unset": {"outbox_pending": 1, "outbox_lease": 1}},
        )
        if not done.modified_count:  # new events arrived meanwhile: keep them and the mark
            published = [event["event_id"] for event in events]
            collection.update_one(
                {"_id": doc_id},
                {
                    "$pull": {"outbox": {"event_id": {"$in": published}}},
                    "$unset": {"outbox_lease": 1},
                },
            )
        return len(events)

    def _measure_backlog(self) -> None:
        now = time.monotonic()
        if now - self._backlog_at < BACKLOG_EVERY_SECONDS:
            return
        self._backlog_at = now
        backlog = sum(d._get_collection().count_documents(PENDING) for d in self.documents)
        OUTBOX_BACKLOG.labels(self.container.service_name).set(backlog)

    def publish(self, event: dict[str, Any]) -> None:
        headers = {}
        if event.get("correlation_id"):
            headers["nameko.correlation_id"] = event["correlation_id"]
        self.publisher.publish(
            event, exchange=self.exchange, routing_key=event["type"], extra_headers=headers
        )

    def get_dependency(self, worker_ctx) -> EventStager:
        return EventStager(self, worker_ctx.context_data.get("correlation_id"))


class EventStager:
    """What a service's entrypoint sees: build an event to store, then ``flush()`` to wake
    the relay once the write is done."""

    def __init__(self, relay: OutboxRelay, correlation: str | None):
        self.relay = relay
        self.correlation = correlation or correlation_id.get()

    def event(self, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        return make_event(
            self.relay.container.service_name,
            event_type,
            data,
            territory=self.relay.settings.territory,
            correlation_id=self.correlation,
        )

    def flush(self, *documents: type[mongoengine.Document]) -> None:
        """``documents``: the only ones this write staged events in (a round trip per other
        collection saved); none: any."""
        self.relay.kick(*documents)
