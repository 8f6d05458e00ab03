"""The one module of test helpers shared by every suite: waiting for a positive signal,
reading what the broker really carried and what the SMTP server really received."""

from __future__ import annotations

import json
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

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


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def error_code(error) -> str:
    """The stable code of a domain error caught as nameko's ``RemoteError`` (which keeps the
    class name, not the arguments)."""
    from contracts.errors import ERRORS_BY_CODE

    codes = {cls.__name__: code for code, cls in ERRORS_BY_CODE.items()}
    return codes.get(error.exc_type, f"not a domain error: {error.exc_type}")


def read_emails(directory: Path, to: str | None = None) -> list[EmailMessage]:
    """The ``.eml`` files an SMTP sink wrote, parsed; only those addressed to ``to`` if given."""
    parser = BytesParser(policy=policy.default)
    found = [parser.parsebytes(p.read_bytes()) for p in sorted(directory.glob("*.eml"))]
    if to:
        found = [m for m in found if any(a.addr_spec == to for a in m["To"].addresses)]
    return found
