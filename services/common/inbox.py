"""Reliable event consumption: idempotent by ``event_id``, retried with backoff, parked as a
dead letter after a bounded number of attempts, replayable by an operator (one, or in bulk by
event type and time range).

nameko acks and drops an event whose handler raises; here the failure is written to the
service's database *before* the message is acked, and the retry loop republishes the event
to the handler's own queue when its backoff has elapsed.

Nothing that reaches a consumer's queue is dropped unseen: a body kombu cannot decode (not
JSON, a content type the consumer does not accept) never reaches a worker, so the handler's
consumer intercepts the decode error (``on_decode_error``) and parks the raw body; a decoded
body that is not an envelope is parked by ``Inbox.handle``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
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
from nameko.events import EventHandler
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
# How much of an undecodable body a dead letter keeps.
MAX_PARKED_BODY = 64 * 1024
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

    def park_undecodable(
        self, handler: str, queue: str, body: Any, content_type: str | None, exc: BaseException
    ) -> None:
        """Park a message kombu could not decode; the same body again is counted, not doubled."""
        raw = body if isinstance(body, bytes) else str(body).encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(raw).hexdigest()[:24]
        now = datetime.now(UTC)
        self._db().event_failures.update_one(
            {"_id": f"{handler}:undecodable:{digest}"},
            {
                "$setOnInsert": {
                    "handler": handler,
                    "queue": queue,
                    "event": raw[:MAX_PARKED_BODY].decode("utf-8", "backslashreplace"),
                    "content_type": content_type,
                    "attempts": 0,
                    "status": DEAD,
                    "last_error": (
                        f"undecodable message ({content_type or 'no content type'}): "
                        f"{type(exc).__name__}: {exc}"
                    )[:1000],
                    "failed_at": now,
                },
                "$inc": {"received": 1},
            },
            upsert=True,
        )
        EVENTS_HANDLED.labels(self.container.service_name, handler, "dead").inc()
        log.error("undecodable message parked as dead letter", extra={"handler": handler})

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

    def forget_member(self, member: dict[str, Any]) -> int:
        """Delete the failed events (retrying or dead) that name an erased member — their id
        or their address (``member``: the data of ``member_erased``) anywhere in the event or
        the body kept — so that no later replay brings them back (GDPR art. 17). Scans the
        failures, which are few; returns how many were deleted."""
        needles = [str(v).lower() for v in (member.get("member_id"), member.get("email")) if v]
        if not needles:
            return 0
        failures = self._db().event_failures
        deleted = 0
        for row in failures.find({}, {"event": 1}):
            text = json.dumps(row.get("event"), ensure_ascii=False, default=str).lower()
            if any(needle in text for needle in needles):
                deleted += failures.delete_one({"_id": row["_id"]}).deleted_count
        return deleted

    def replay_many(
        self,
        event_type: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """Replay this service's dead letters of ``event_type`` that failed in
        [``since``, ``until``) (each bound optional); the number replayed. Parked messages
        that are not events (undecodable, not an envelope) stay parked: nothing to replay."""
        since, until = _utc(since), _utc(until)
        rows = self._db().event_failures.find({"status": DEAD}, {"event": 1, "failed_at": 1})
        count = 0
        for row in list(rows):
            event, failed_at = row.get("event"), _utc(row.get("failed_at"))
            if not is_envelope(event):
                continue
            if event_type is not None and event.get("type") != event_type:
                continue
            if since is not None and (failed_at is None or failed_at < since):
                continue
            if until is not None and (failed_at is None or failed_at >= until):
                continue
            if self.replay(row["_id"]):
                count += 1
        log.info("dead letters replayed", extra={"count": count, "type": event_type})
        return count

    def replay(self, dead_letter_id: str) -> bool:
        """Give a parked event a fresh set of attempts, starting now. Only an event can be
        replayed: what was parked for not being one would only be parked again."""
        found = self._db().event_failures.find_one(
            {"_id": dead_letter_id, "status": DEAD}, {"event": 1}
        )
        if found is None or not is_envelope(found.get("event")):
            return False
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
        if record is None:
            return False
        self._republish(record)
        return True


def _utc(value: datetime | None) -> datetime | None:
    """Naive datetimes (as a database without tz_aware returns them) are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class ReliableEventHandler(EventHandler):
    """nameko's event handler, which parks what kombu cannot decode instead of losing it.

    kombu decodes a message before nameko sees it; without ``on_decode_error`` a body that is
    not JSON (or of a content type the consumer does not accept) raises out of the consumer
    and never reaches the inbox. Here it is parked as a dead letter and acked; if the
    database cannot take it, the message is given back to RabbitMQ after a pause.
    """

    def setup(self) -> None:
        self.consumer_options["on_decode_error"] = self.on_decode_error
        super().setup()

    def on_decode_error(self, message, exc: BaseException) -> None:
        inbox = next((d for d in self.container.dependencies if isinstance(d, Inbox)), None)
        try:
            if inbox is None:
                raise RuntimeError("no Inbox declared on the service")
            content_type = getattr(message, "content_type", None)
            inbox.park_undecodable(
                self.method_name, self.queue.name, message.body, content_type, exc
            )
        except Exception:
            log.exception("could not park an undecodable message; requeueing it")
            eventlet.sleep(REQUEUE_PAUSE_SECONDS)
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)


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

        return ReliableEventHandler.decorator(source, event_type, requeue_on_error=True)(entrypoint)

    return decorate
