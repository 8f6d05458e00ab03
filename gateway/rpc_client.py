"""nameko's RPC wire protocol spoken with pika, so that no eventlet enters this process.

One pika connection per pool slot (pika is not thread-safe). Requests are published with
publisher confirms and ``mandatory``: a service this territory does not run has no queue
bound, the broker returns the message and the call fails at once instead of timing out.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from contextlib import suppress
from typing import Any

import pika
from pika.exceptions import (
    AMQPError,
    ChannelClosedByBroker,
    ChannelWrongStateError,
    ConnectionWrongStateError,
    UnroutableError,
)

log = logging.getLogger("maillage.rpc")

RPC_EXCHANGE = "nameko-rpc"
# How long a slot trusts its last look at whether a service has consumers.
CONSUMER_CHECK_TTL = 2.0
# Attempts at a call whose connection fails before the request leaves, and the pause before
# each new attempt (a broker restarting, or closing every connection, takes a moment).
ATTEMPTS = 3
RETRY_PAUSES = (0.0, 0.2, 0.5)


class ServiceUnavailable(Exception):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class RpcTimeout(ServiceUnavailable):
    pass


class RemoteError(Exception):
    """An error raised by the remote method, as nameko serialised it."""

    def __init__(self, service: str, error: dict[str, Any]) -> None:
        self.service = service
        self.exc_type = error.get("exc_type", "Exception")
        self.exc_args = error.get("exc_args") or []
        self.value = error.get("value", "")
        super().__init__(f"{service}: {self.exc_type}: {self.value}")


class BusUnreachable(ServiceUnavailable):
    """The broker could not be reached or the connection broke: nothing about the service."""


class _NotPublished(Exception):
    """The connection failed before the request left: calling again cannot run it twice."""


# Errors pika raises before it writes anything: the request certainly did not leave.
_BEFORE_WRITE = (ConnectionWrongStateError, ChannelWrongStateError)


class _Slot:
    """One connection, one channel, one exclusive reply queue."""

    def __init__(self, parameters: pika.URLParameters) -> None:
        self.connection = pika.BlockingConnection(parameters)
        self._open_channel()
        self.checked: dict[str, float] = {}
        self.last_used = time.monotonic()

    def service(self) -> None:
        """Read what the broker sent (its close, late replies) and send the heartbeats due:
        raises when the connection is gone. Cheap (no round trip)."""
        self.connection.process_data_events(time_limit=0)
        self.last_used = time.monotonic()

    def _open_channel(self) -> None:
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.channel.exchange_declare(RPC_EXCHANGE, exchange_type="topic", durable=True)
        result = self.channel.queue_declare("", exclusive=True, auto_delete=True)
        self.reply_queue = result.method.queue
        # nameko replies through the rpc exchange with the reply_to as routing key.
        self.channel.queue_bind(self.reply_queue, RPC_EXCHANGE, routing_key=self.reply_queue)
        self.replies: dict[str, dict[str, Any]] = {}
        self.channel.basic_consume(self.reply_queue, self._on_reply, auto_ack=True)

    def ensure_consumers(self, service: str) -> None:
        """Fail fast when nobody consumes the service's queue (stopped or never deployed):
        nameko's RPC queue outlives its service, so ``mandatory`` alone would not notice."""
        now = time.monotonic()
        if now - self.checked.get(service, -CONSUMER_CHECK_TTL) < CONSUMER_CHECK_TTL:
            return
        try:
            declared = self.channel.queue_declare(f"rpc-{service}", passive=True)
        except ChannelClosedByBroker:
            self._open_channel()
            raise ServiceUnavailable(service, "not running in this territory") from None
        if declared.method.consumer_count == 0:
            raise ServiceUnavailable(service, "not running")
        self.checked[service] = now

    def _on_reply(self, channel, method, properties, body: bytes) -> None:
        if properties.correlation_id:
            self.replies[properties.correlation_id] = json.loads(body)

    def call(
        self,
        service: str,
        method: str,
        args: list,
        kwargs: dict,
        timeout: float,
        context: dict[str, str],
    ) -> Any:
        try:
            # Whatever fails before the publish leaves nothing behind at the broker.
            self.service()
            self.ensure_consumers(service)
        except (AMQPError, OSError) as exc:
            raise _NotPublished() from exc
        correlation = uuid.uuid4().hex
        headers = {f"nameko.{key}": value for key, value in context.items() if value}
        properties = pika.BasicProperties(
            content_type="application/json",
            reply_to=self.reply_queue,
            correlation_id=correlation,
            headers=headers,
            # A request nobody took within the timeout must not run later, unseen.
            expiration=str(int(timeout * 1000)),
        )
        body = json.dumps({"args": args, "kwargs": kwargs}).encode()
        try:
            self.channel.basic_publish(
                RPC_EXCHANGE, f"{service}.{method}", body, properties, mandatory=True
            )
        except UnroutableError:
            raise ServiceUnavailable(service, "not running in this territory") from None
        except _BEFORE_WRITE as exc:
            raise _NotPublished() from exc
        deadline = time.monotonic() + timeout
        while correlation not in self.replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.checked.pop(service, None)
                self.ensure_consumers(service)  # it stopped while we waited: 503, not 504
                raise RpcTimeout(service, f"no answer within {timeout:g} s")
            self.connection.process_data_events(time_limit=min(remaining, 0.5))
        self.last_used = time.monotonic()
        reply = self.replies.pop(correlation)
        self.replies.clear()  # late answers to calls that timed out
        if reply.get("error"):
            raise RemoteError(service, reply["error"])
        return reply.get("result")

    def close(self) -> None:
        with suppress(AMQPError):
            self.connection.close()


class RpcClient:
    """A pool of slots. A call takes a slot, checks its connection (reopening it when the
    broker dropped it) and, when the connection fails before the request was published,
    calls again on a fresh connection: a request is never published twice by this client.
    Slots left idle are serviced (heartbeats) by a keeper thread while nobody uses them."""

    def __init__(
        self, amqp_uri: str, pool_size: int = 8, timeout: float = 10.0, heartbeat: int = 30
    ) -> None:
        self.parameters = pika.URLParameters(amqp_uri)
        self.parameters.heartbeat = heartbeat
        self.parameters.blocked_connection_timeout = 10
        # So that an operator (and the fault tests) can tell the gateway's connections apart.
        self.parameters.client_properties = {"connection_name": "maillage-gateway"}
        self.timeout = timeout
        self.heartbeat = heartbeat
        self._free: queue.LifoQueue[_Slot | None] = queue.LifoQueue()
        for _ in range(pool_size):
            self._free.put(None)  # slots connect lazily
        self._closed = threading.Event()
        self._keeper: threading.Thread | None = None
        self._keeper_lock = threading.Lock()

    def _connect(self) -> _Slot:
        try:
            return _Slot(self.parameters)
        except (AMQPError, OSError) as exc:  # nothing was published on a connection never made
            raise _NotPublished() from exc

    def _start_keeper(self) -> None:
        with self._keeper_lock:
            if self._keeper is None and self.heartbeat:
                self._keeper = threading.Thread(target=self._keep, name="rpc-keeper", daemon=True)
                self._keeper.start()

    def _keep(self) -> None:
        """Service the heartbeats of idle slots, so that the broker keeps them open."""
        interval = max(self.heartbeat / 3, 0.2)
        while not self._closed.wait(interval):
            self.keep_idle(interval)

    def keep_idle(self, idle_for: float) -> None:
        """Service every free slot unused for ``idle_for`` seconds; one that fails is dropped
        (the next call reconnects). A slot in use is left alone: its caller services it."""
        taken: list[_Slot | None] = []
        try:
            while True:
                taken.append(self._free.get_nowait())
        except queue.Empty:
            pass
        kept: list[_Slot | None] = []
        for slot in taken:
            if slot is not None and time.monotonic() - slot.last_used >= idle_for:
                try:
                    slot.service()
                except (AMQPError, OSError):
                    slot.close()
                    slot = None
            kept.append(slot)
        for slot in reversed(kept):  # the most recently used stays on top
            self._free.put(slot)

    def call(
        self,
        service: str,
        method: str,
        *args: Any,
        timeout: float | None = None,
        context: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        timeout = timeout or self.timeout
        self._start_keeper()
        try:
            slot = self._free.get(timeout=timeout)
        except queue.Empty:  # every connection busy for as long as a call may last
            raise ServiceUnavailable(service, "gateway saturated, no free connection") from None
        try:
            for attempt in range(ATTEMPTS):
                time.sleep(RETRY_PAUSES[attempt])
                try:
                    if slot is None or not slot.connection.is_open:
                        slot = self._connect()
                    return slot.call(service, method, list(args), kwargs, timeout, context or {})
                except _NotPublished as exc:
                    failure = exc.__cause__
                    log.info(
                        "connection to the broker lost before calling %s.%s (%s): reconnecting",
                        service,
                        method,
                        type(failure).__name__,
                    )
                    if slot is not None:
                        slot.close()
                    slot = None
            raise BusUnreachable(
                service, f"message bus unreachable ({type(failure).__name__})"
            ) from failure
        except (AMQPError, OSError) as exc:  # after the publish: calling again could run it twice
            if slot is not None:
                slot.close()
            slot = None
            raise BusUnreachable(
                service, f"message bus unreachable ({type(exc).__name__})"
            ) from exc
        finally:
            self._free.put(slot)

    def close(self) -> None:
        self._closed.set()
        while not self._free.empty():
            slot = self._free.get_nowait()
            if slot is not None:
                slot.close()
