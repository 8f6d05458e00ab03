"""The gateway's events: an outbox in its own database, relayed to ``gateway.events``.

``emit`` validates the data against ``contracts/gateway.py``, builds the envelope and writes
it, one document per event, to the ``outbox`` collection with the database's durable write
concern (journaled): once ``emit`` returns, the event survives a crash of the gateway or of
the database. It then wakes the relay.

The relay is a daemon thread with its own pika connection (pika is not thread-safe; no
eventlet in this process). For each pending event it takes a lease by ``_id`` (a conditional
``update_one``: only one replica's claim succeeds), publishes with publisher confirms and
only then marks the event sent. The sent mark drops the event's ``data`` (addresses, names,
single-use links): the outbox keeps a trace of what went out, never the secrets or the
personal data, and sent traces expire after ``SENT_KEPT``.

What it guarantees: an event is never lost (it stays pending until the broker confirmed it,
retried while the broker is away); it may be published twice (a relay dying between the
confirm and the mark, or a lease outliving a stalled relay), which consumers absorb by
``event_id``. Two replicas never both publish one event while a lease holds.

SecantusDB scans the whole collection on findAndModify, ``$or`` and an indexed equality
mixed with a range: pending events are found by the equality ``pending: true`` (sparse
index), and every write names its ``_id``.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pika
from pika.exceptions import AMQPError
from prometheus_client import Counter, Gauge
from pymongo.database import Database
from pymongo.errors import OperationFailure, PyMongoError

from services.common.envelope import make_event
from services.common.logs import correlation_id as current_correlation

log = logging.getLogger("maillage.events")

SOURCE = "gateway"
EXCHANGE = "gateway.events"
COLLECTION = "outbox"
BATCH = 100
# How long a relay may hold an event before another replica takes over.
LEASE = timedelta(seconds=30)
# How long the trace of a sent event (without its data) is kept.
SENT_KEPT = timedelta(days=7)
# Pauses after a failed pass (broker or database away): doubled up to the last.
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0

PUBLISHED = Counter(
    "maillage_gateway_events_published_total", "Events relayed from the gateway's outbox", ["type"]
)
BACKLOG = Gauge("maillage_gateway_outbox_backlog", "Events waiting in the gateway's outbox")


class Publisher(Protocol):
    """What the relay needs from the broker; tests give a fake."""

    def publish(self, event: dict[str, Any]) -> None:
        """Return only once the broker confirmed the event; raise otherwise."""

    def service(self) -> None:
        """Keep the connection alive between passes (heartbeats)."""

    def close(self) -> None: ...


class PikaPublisher:
    """One blocking connection, a confirmed channel, the ``gateway.events`` topic exchange
    declared as nameko declares it (durable, not auto-deleted), persistent messages."""

    def __init__(self, amqp_uri: str, heartbeat: int = 30) -> None:
        parameters = pika.URLParameters(amqp_uri)
        parameters.heartbeat = heartbeat
        parameters.blocked_connection_timeout = 10
        parameters.client_properties = {"connection_name": "maillage-gateway-events"}
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)

    def publish(self, event: dict[str, Any]) -> None:
        headers = {}
        if event.get("correlation_id"):
            headers["nameko.correlation_id"] = event["correlation_id"]
        properties = pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=pika.DeliveryMode.Persistent,
            headers=headers,
        )
        # Not mandatory, like the services' publishers: a consumer this territory does not
        # deploy has no queue, and the event is knowingly dropped (docs/events.md).
        self.channel.basic_publish(
            EXCHANGE, event["type"], json.dumps(event).encode(), properties
        )  # raises unless the broker confirmed (confirm_delivery)

    def service(self) -> None:
        self.connection.process_data_events(time_limit=0)

    def close(self) -> None:
        with suppress(AMQPError, OSError):
            self.connection.close()


class GatewayEvents:
    """``emit`` for the routes; ``start``/``stop`` the relay thread; ``drain`` one pass."""

    def __init__(
        self,
        db: Database,
        territory: str,
        publisher_factory: Callable[[], Publisher],
        poll_seconds: float = 1.0,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.collection = db[COLLECTION]
        self.territory = territory
        self.publisher_factory = publisher_factory
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.clock = clock or (lambda: datetime.now(UTC))
        self.relay_id = uuid.uuid4().hex
        self._publisher: Publisher | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._indexed = False

    @classmethod
    def for_broker(cls, db: Database, territory: str, amqp_uri: str, **kwargs: Any):
        return cls(db, territory, lambda: PikaPublisher(amqp_uri), **kwargs)

    # --- the routes' side ---------------------------------------------------------------

    def emit(
        self, event_type: str, data: dict[str, Any], correlation_id: str | None = None
    ) -> dict[str, Any]:
        """Validate, store durably, wake the relay; returns the envelope.

        Raises ``KeyError`` for an undeclared event, ``pydantic.ValidationError`` for data
        that does not match its contract, a pymongo error when the database is away (nothing
        is stored then: the caller answers 503 and the person tries again).
        """
        event = make_event(
            SOURCE,
            event_type,
            data,
            territory=self.territory,
            correlation_id=correlation_id or current_correlation.get() or None,
        )
        self.collection.insert_one(
            {"_id": event["event_id"], "event": event, "pending": True, "created_at": self.clock()}
        )
        self._wake.set()
        return event

    # --- the relay ------------------------------------------------------------------------

    def ensure_indexes(self) -> None:
        if self._indexed:
            return
        self.collection.create_index("pending", sparse=True)
        try:
            self.collection.create_index(
                "sent_at", expireAfterSeconds=int(SENT_KEPT.total_seconds()), sparse=True
            )
        except OperationFailure as exc:  # a server without TTL indexes: relay all the same
            log.warning("events outbox: no TTL index on sent_at (%s)", exc.code)
        self._indexed = True

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="events-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close_publisher()

    def kick(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        pause = RETRY_FIRST_SECONDS
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.ensure_indexes()
                self.drain()
                if self._publisher is not None:
                    self._publisher.service()
                pause = RETRY_FIRST_SECONDS
                wait = self.poll_seconds
            except (AMQPError, OSError, PyMongoError) as exc:
                # Broker or database away: the events stay pending; try again, a bit later.
                log.warning("events relay: %s; retrying in %.1f s", type(exc).__name__, pause)
                self._close_publisher()
                wait, pause = pause, min(pause * 2, RETRY_MAX_SECONDS)
            except Exception:  # a bug must not stop the relay for good
                log.exception("events relay failed; retrying")
                self._close_publisher()
                wait, pause = pause, min(pause * 2, RETRY_MAX_SECONDS)
            self._wake.wait(wait)

    def _close_publisher(self) -> None:
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None

    def _connected(self) -> Publisher:
        if self._publisher is None:
            self._publisher = self.publisher_factory()
        return self._publisher

    def drain(self) -> int:
        """Publish every pending event this relay can claim; returns how many went out.
        Raises when the broker or the database fails (what is not marked sent stays)."""
        sent = 0
        pending = (
            self.collection.find({"pending": True}, {"_id": 1}).sort("created_at", 1).limit(BATCH)
        )
        for doc in list(pending):
            sent += self._relay_one(doc["_id"])
        BACKLOG.set(self.collection.count_documents({"pending": True}))
        return sent

    def _relay_one(self, event_id: str) -> int:
        now = self.clock()
        taken = self.collection.update_one(
            {"_id": event_id, "pending": True, "lease": {"$not": {"$gt": now}}},
            {"$set": {"lease": now + self.lease, "relay": self.relay_id}},
        )
        if not taken.modified_count:
            return 0  # another replica holds it, or it was sent meanwhile
        doc = self.collection.find_one({"_id": event_id, "pending": True}, {"event": 1})
        if doc is None:
            return 0
        event = doc["event"]
        try:
            self._connected().publish(event)
        except BaseException:
            # Give the event back at once (another replica, or our next pass, retries it).
            with suppress(PyMongoError):
                self.collection.update_one(
                    {"_id": event_id, "relay": self.relay_id},
                    {"$unset": {"lease": "", "relay": ""}},
                )
            raise
        PUBLISHED.labels(event["type"]).inc()
        # Published and confirmed: mark it sent, whoever holds the lease now (a duplicate
        # publish is absorbed by consumers; a second mark changes nothing). The data goes.
        self.collection.update_one(
            {"_id": event_id},
            {
                "$set": {"sent_at": self.clock()},
                "$unset": {"pending": "", "lease": "", "relay": "", "event.data": ""},
            },
        )
        return 1

    def backlog(self) -> int:
        return self.collection.count_documents({"pending": True})
