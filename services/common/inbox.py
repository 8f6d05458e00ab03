"""Reliable event consumption: idempotent by ``event_id``, retried with backoff, parked as a
dead letter after a bounded number of attempts, replayable by an operator.

nameko acks and drops an event whose handler raises; here the failure is written to the
service's database *before* the message is acked, and the retry loop republishes the event
to the handler's own queue when its backoff has elapsed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import eventlet
import mongoengine
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI
from nameko.events import event_handler
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from .config import container_settings
from .envelope import is_envelope
from .logs import correlation_id
from .metrics import DEAD_LETTERS, EVENTS_HANDLED
from .topology import Consumer

log = logging.getLogger(__name__)

RETRYING, DEAD = "retrying", "dead"
# When a retry is republished, wait this long before assuming the message was lost.
REPUBLISH_LEASE = timedelta(seconds=60)
REQUEUE_PAUSE_SECONDS = 1.0


def backoff(attempts: int, base_seconds: float, cap_seconds: float = 3600) -> timedelta:
    """Exponential backoff after ``attempts`` failures: base, 2·base, 4·base… capped."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


class Inbox(DependencyProvider):
    def __init__(self, alias: str):
        self.alias = alias
        self._running = False

    def setup(self) -> None:
        self.settings = container_settings()
        self.publisher = Publisher(
            config.get(AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI), use_confirms=True
        )

    def _db(self):
        # A method, not a property: nameko inspects every attribute while binding.
        return mongoengine.get_db(alias=self.alias)

    def start(self) -> None:
        self._db().event_failures.create_index(
            [("status", ASCENDING), ("next_attempt_at", ASCENDING)]
        )
        self._running = True
        self.container.spawn_managed_thread(self._retry_loop, identifier="inbox-retries")

    def stop(self) -> None:
        self._running = False

    def kill(self) -> None:
        self._running = False

    def get_dependency(self, worker_ctx) -> Inbox:
        return self

    # -- handling -----------------------------------------------------------------------
    def handle(self, handler: str, queue: str, payload: Any, run: Callable[[], Any]) -> None:
        service = self.container.service_name
        if not is_envelope(payload):
            self._park_malformed(handler, queue, payload)
            EVENTS_HANDLED.labels(service, handler, "dead").inc()
            return
        key = f"{handler}:{payload['event_id']}"
        correlation_id.set(payload.get("correlation_id"))
        if self._db().processed_events.find_one({"_id": key}, {"_id": 1}):
            EVENTS_HANDLED.labels(service, handler, "duplicate").inc()
            return
        try:
            run()
        except Exception as exc:
            # If this write fails too, the error escapes to the entrypoint: requeued.
            outcome = self._record_failure(key, handler, queue, payload, exc)
            EVENTS_HANDLED.labels(service, handler, outcome).inc()
            return
        with contextlib.suppress(DuplicateKeyError):
            self._db().processed_events.insert_one(
                {"_id": key, "handler": handler, "processed_at": datetime.now(UTC)}
            )
        self._db().event_failures.delete_one({"_id": key})
        EVENTS_HANDLED.labels(service, handler, "ok").inc()

    def _record_failure(self, key, handler, queue, payload, exc) -> str:
        now = datetime.now(UTC)
        record = self._db().event_failures.find_one_and_update(
            {"_id": key},
            {
                "$inc": {"attempts": 1},
                "$set": {
                    "handler": handler,
                    "queue": queue,
                    "event": payload,
                    "last_error": f"{type(exc).__name__}: {exc}",
                    "failed_at": now,
                },
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        attempts = record["attempts"]
        if attempts >= self.settings.handler_max_attempts:
            self._db().event_failures.update_one({"_id": key}, {"$set": {"status": DEAD}})
            log.error("event parked as dead letter", extra={"key": key, "attempts": attempts})
            return "dead"
        delay = backoff(attempts, self.settings.handler_retry_base_seconds)
        self._db().event_failures.update_one(
            {"_id": key}, {"$set": {"status": RETRYING, "next_attempt_at": now + delay}}
        )
        log.warning("event handler failed; will retry", extra={"key": key, "attempts": attempts})
        return "retry"

    def _park_malformed(self, handler: str, queue: str, payload: Any) -> None:
        self._db().event_failures.insert_one(
            {
                "_id": f"{handler}:malformed:{uuid.uuid4()}",
                "handler": handler,
                "queue": queue,
                "event": payload if isinstance(payload, dict) else repr(payload),
                "attempts": 0,
                "status": DEAD,
                "last_error": "malformed event: not a Maillage envelope",
                "failed_at": datetime.now(UTC),
            }
        )

    # -- retries and operator tools -------------------------------------------------------
    def _retry_loop(self) -> None:
        while self._running:
            try:
                self.retry_due()
            except Exception:
                log.exception("retry loop failed")
            eventlet.sleep(1.0)

    def retry_due(self) -> int:
        now = datetime.now(UTC)
        failures = self._db().event_failures
        count = 0
        # Equality on status, then a claim by _id: cheap on every MongoDB, and SecantusDB
        # scans for findAndModify or for an equality mixed with a range.
        for record in failures.find({"status": RETRYING}):
            if record["next_attempt_at"] > now:
                continue
            claimed = failures.update_one(
                {
                    "_id": record["_id"],
                    "status": RETRYING,
                    "next_attempt_at": record["next_attempt_at"],
                },
                {"$set": {"next_attempt_at": now + REPUBLISH_LEASE}},
            )
            if claimed.modified_count:  # not taken by a replica in the meantime
                self._republish(record)
                count += 1
        DEAD_LETTERS.labels(self.container.service_name).set(
            self._db().event_failures.count_documents({"status": DEAD})
        )
        return count

    def _republish(self, record: dict[str, Any]) -> None:
        self.publisher.publish(record["event"], exchange="", routing_key=record["queue"])

    def dead_letters(self) -> list[dict[str, Any]]:
        rows = self._db().event_failures.find({"status": DEAD}).sort("failed_at", ASCENDING)
        return [
            {
                "id": row["_id"],
                "handler": row["handler"],
                "attempts": row.get("attempts", 0),
                "last_error": row.get("last_error"),
                "failed_at": row["failed_at"].isoformat(),
                "event": row["event"],
            }
            for row in rows
        ]

    def replay(self, dead_letter_id: str) -> bool:
        """Give a parked event a fresh set of attempts, starting now."""
        record = self._db().event_failures.find_one_and_update(
            {"_id": dead_letter_id, "status": DEAD},
            {
                "$set": {
                    "status": RETRYING,
                    "attempts": 0,
                    "next_attempt_at": datetime.now(UTC) + REPUBLISH_LEASE,
                }
            },
        )
        if record is None or not isinstance(record.get("event"), dict):
            return False
        self._republish(record)
        return True


def reliable_handler(source: str, event_type: str):
    """Declare an event handler whose failures are retried and parked, never dropped.

    The service must declare ``inbox = Inbox(<alias>)``.
    """

    def decorate(fn: Callable[[Any, dict[str, Any]], Any]):
        @functools.wraps(fn)
        def entrypoint(self, payload):
            queue = Consumer(source, event_type, self.name, fn.__name__).queue
            try:
                self.inbox.handle(fn.__name__, queue, payload, lambda: fn(self, payload))
            except Exception:
                # The inbox itself could not write (database away): give the message back
                # to RabbitMQ (requeue_on_error) after a pause, rather than ack and lose it.
                log.exception("inbox unavailable; requeueing the event")
                eventlet.sleep(REQUEUE_PAUSE_SECONDS)
                raise

        return event_handler(source, event_type, requeue_on_error=True)(entrypoint)

    return decorate
