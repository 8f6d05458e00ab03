"""Fault 4 of issue 6 (the RPC half): a request whose body cannot be decoded.

kombu decodes a message before nameko sees it; a body that is not JSON (or not UTF-8) under
``content_type=application/json`` failed there, and kombu's default acked it with a log
line: no reply, so the caller waited for its timeout. Now the consumer's decode errors are
ours, and every caller with a ``reply_to`` gets a ``malformed_request`` reply.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pika
import pytest

from contracts.errors import remote_error
from tests.e2e.conftest import running
from tests.e2e.helpers import OPERATOR, PLACE

POISON = {
    "not json": b"not json at all {",
    "not utf-8": b'{"args": [], "kwargs": {"x": "\xff\xfe"}}',
    "json, not an object": b"[1, 2, 3]",
    "an object without args": b'{"kwargs": {}}',
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running("baronnies", tmp_path_factory) as platform:
        yield platform


@pytest.fixture
def channel(platform):
    connection = pika.BlockingConnection(pika.URLParameters(platform.amqp_uri))
    try:
        yield connection.channel()
    finally:
        connection.close()


def call_raw(channel, routing_key: str, body: bytes, timeout: float = 5.0):
    """Publish ``body`` as an RPC request; the reply and how long it took (None if none)."""
    reply_queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(reply_queue, "nameko-rpc", routing_key=reply_queue)
    correlation = uuid.uuid4().hex
    started = time.monotonic()
    channel.basic_publish(
        "nameko-rpc",
        routing_key,
        body,
        pika.BasicProperties(
            reply_to=reply_queue, correlation_id=correlation, content_type="application/json"
        ),
    )
    while time.monotonic() - started < timeout:
        method, props, reply = channel.basic_get(reply_queue, auto_ack=True)
        if method:
            assert props.correlation_id == correlation
            return json.loads(reply), time.monotonic() - started
        channel.connection.sleep(0.02)
    return None, None


@pytest.mark.parametrize("body", POISON.values(), ids=POISON.keys())
@pytest.mark.parametrize("routing_key", ["booking.get_booking", "directory.list_places"])
def test_an_undecodable_request_gets_malformed_request_at_once(
    platform, channel, routing_key, body
):
    reply, took = call_raw(channel, routing_key, body)
    assert reply is not None, "no reply: the caller would wait for its timeout"
    print(f"\n{routing_key} {body[:20]!r}: malformed_request in {took * 1000:.0f} ms")
    assert remote_error(reply["error"]["exc_args"])[1] == "malformed_request"
    assert took < 1.0
    # the service keeps serving, and nothing was redelivered into a crash loop
    platform.check_alive()
    with httpx.Client(base_url=platform.url, timeout=10) as api:
        assert api.get("/api/places").status_code == 200
        assert api.get("/api/bookings/" + "0" * 24).status_code == 404


def test_a_good_request_after_poison_is_answered(platform, channel):
    for body in POISON.values():
        call_raw(channel, "directory.list_places", body)
    with httpx.Client(base_url=platform.url, timeout=10) as api:
        created = api.post(
            "/api/places", json={**PLACE, "name": "Après le poison"}, headers=OPERATOR
        )
        assert created.status_code == 201, created.text
