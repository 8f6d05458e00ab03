"""The one module of test helpers shared by every suite: waiting for a positive signal,
reading what the broker really carried and what the SMTP server really received."""

from __future__ import annotations

import json
import time
import uuid
from contextlib import contextmanager
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

    def drain(self) -> list[dict]:
        """Everything already in the queue, without waiting for more."""
        events = []
        while True:
            method, _props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return events
            events.append(json.loads(body))

    def take_until(self, last, timeout: float = 30.0) -> list[dict]:
        """Every event up to and including the first for which ``last(event)`` is true: a
        positive signal that whatever came before it has been published."""
        events: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events += self.take(1, timeout=deadline - time.monotonic())
            if events and last(events[-1]):
                return events
        raise AssertionError(f"the closing event never came; got {events}")

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


@contextmanager
def mongomock_alias(*aliases: str, db: str = "unit"):
    """Bind mongoengine aliases to a fresh in-memory mongomock database, for unit tests of
    database rules (no server, no broker). Yields the pymongo-like database of the first."""
    import mongoengine
    import mongomock

    from services.common.db import disconnect

    for alias in aliases:
        disconnect(alias)
        mongoengine.connect(
            db=f"{db}_{uuid.uuid4().hex[:8]}",
            alias=alias,
            mongo_client_class=mongomock.MongoClient,
            tz_aware=True,
            uuidRepresentation="standard",
        )
    try:
        yield mongoengine.get_db(alias=aliases[0])
    finally:
        for alias in aliases:
            disconnect(alias)


def metric_value(name: str, **labels: str) -> float:
    """A Prometheus sample of this process (services under test run in-process), 0 if unset."""
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def metric_total(name: str, **labels: str) -> float:
    """The sum of this process's samples of ``name`` whose labels include ``labels``."""
    from prometheus_client import REGISTRY

    return sum(
        sample.value
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def scrape_metric(url: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples matching ``labels`` on a process's /metrics endpoint."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


class RecordingStager:
    """The ``EventStager`` a command sees in a unit test: real, contract-checked envelopes
    from ``source``, no relay; ``flushed`` counts the wake-ups."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.flushed = 0
        self.kicked: tuple[type, ...] = ()

    def event(self, event_type: str, data: dict) -> dict:
        from services.common.envelope import make_event

        return make_event(self.source, event_type, data, territory="unit")

    def flush(self, *documents: type) -> None:
        self.flushed += 1
        self.kicked = documents  # what the last wake-up named (none: any)


RESULT = object()  # what a replaced function answers, to check it is passed through unchanged


def replace_with_autospec(monkeypatch, module, name: str, result):
    """Put a mock with the real function's signature in place of ``module.name``: a unit test
    of an entrypoint then checks what it delegates, and with which arguments."""
    from unittest import mock

    fake = mock.create_autospec(getattr(module, name), return_value=result)
    monkeypatch.setattr(module, name, fake)
    return fake
