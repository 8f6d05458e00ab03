"""Small helpers for service tests that watch the real broker."""

from __future__ import annotations

import json
import time
import uuid

import pika


class EventTap:
    """A queue of our own bound to a service's event exchange: what was really published."""

    def __init__(self, amqp_uri: str, source: str, event_type: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        exchange = f"{source}.events"
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = f"tap-{uuid.uuid4().hex[:8]}"
        self.channel.queue_declare(self.queue, exclusive=True)
        self.channel.queue_bind(self.queue, exchange, routing_key=event_type)

    def take(self, count: int = 1, timeout: float = 10.0) -> list[dict]:
        events: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(events) < count and time.monotonic() < deadline:
            method, _props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.05)
                continue
            events.append(json.loads(body))
        return events

    def close(self) -> None:
        self.connection.close()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
