"""nameko's RPC wire protocol spoken with pika, so that no eventlet enters this process.

One pika connection per pool slot (pika is not thread-safe). Requests are published with
publisher confirms and ``mandatory``: a service this territory does not run has no queue
bound, the broker returns the message and the call fails at once instead of timing out.
"""

from __future__ import annotations

import json
import queue
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pika
from pika.exceptions import AMQPError, ChannelClosedByBroker, UnroutableError

RPC_EXCHANGE = "nameko-rpc"
# How long a slot trusts its last look at whether a service has consumers.
CONSUMER_CHECK_TTL = 2.0


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


class _Slot:
    """One connection, one channel, one exclusive reply queue."""

    def __init__(self, parameters: pika.URLParameters) -> None:
        self.connection = pika.BlockingConnection(parameters)
        self._open_channel()
        self.checked: dict[str, float] = {}

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
        self.ensure_consumers(service)
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
        deadline = time.monotonic() + timeout
        while correlation not in self.replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.checked.pop(service, None)
                self.ensure_consumers(service)  # it stopped while we waited: 503, not 504
                raise RpcTimeout(service, f"no answer within {timeout:g} s")
            self.connection.process_data_events(time_limit=min(remaining, 0.5))
        reply = self.replies.pop(correlation)
        self.replies.clear()  # late answers to calls that timed out
        if reply.get("error"):
            raise RemoteError(service, reply["error"])
        return reply.get("result")

    def close(self) -> None:
        with suppress(AMQPError):
            self.connection.close()


class RpcClient:
    def __init__(self, amqp_uri: str, pool_size: int = 8, timeout: float = 10.0) -> None:
        self.parameters = pika.URLParameters(amqp_uri)
        self.parameters.heartbeat = 30
        self.parameters.blocked_connection_timeout = 10
        self.timeout = timeout
        self._free: queue.LifoQueue[_Slot | None] = queue.LifoQueue()
        for _ in range(pool_size):
            self._free.put(None)  # slots connect lazily

    @contextmanager
    def _slot(self, service: str, wait: float) -> Iterator[_Slot]:
        try:
            slot = self._free.get(timeout=wait)
        except queue.Empty:  # every connection busy for as long as a call may last
            raise ServiceUnavailable(service, "gateway saturated, no free connection") from None
        try:
            if slot is None or not slot.connection.is_open:
                slot = _Slot(self.parameters)
            yield slot
        except (AMQPError, OSError):
            if slot is not None:
                slot.close()
            slot = None
            raise
        finally:
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
        try:
            with self._slot(service, timeout) as slot:
                return slot.call(service, method, list(args), kwargs, timeout, context or {})
        except (AMQPError, OSError) as exc:
            raise ServiceUnavailable(
                service, f"message bus unreachable ({type(exc).__name__})"
            ) from exc

    def close(self) -> None:
        while not self._free.empty():
            slot = self._free.get_nowait()
            if slot is not None:
                slot.close()
