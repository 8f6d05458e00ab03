"""Fault 4 (events): a message a consumer cannot process is parked where the operator sees it,
never dropped, and the consumer keeps working.

Poison messages are published straight to the notifications consumer's own queue: bytes that
are not JSON, a truncated JSON, a content type the consumer does not accept, and JSON that is
not an event envelope. Each must come out as a dead letter listed by
``GET /api/admin/dead-letters/notifications``, and a valid event published after them must
still be handled (its email sent).
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pika
import pytest

from services.common.envelope import make_event
from services.common.topology import Consumer
from tests.e2e.conftest import running
from tests.e2e.helpers import OPERATOR, emails, wait_for

QUEUE = Consumer("booking", "booking_confirmed", "notifications", "on_booking_confirmed").queue


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running("verdon", tmp_path_factory) as platform:
        yield platform


def poison(marker: str) -> list[tuple[bytes, str | None]]:
    """(body, content type): each one a consumer cannot turn into an event."""
    return [
        (b"\xff\xfe not json at all " + marker.encode() + b"-1", "application/json"),
        (b'{"truncated": "' + marker.encode() + b"-2", "application/json"),
        (f"{marker}-3 plain words".encode(), "text/plain"),
        (f'{{"hello": "{marker}-4"}}'.encode(), "application/json"),
        (f'["{marker}-5"]'.encode(), "application/json"),
    ]


def booking_event(territory: str, email: str) -> dict:
    data = {
        "booking_id": "b-after-poison",
        "resource_id": "r1",
        "resource_name": "Salle du marqueur",
        "place_id": "p1",
        "place_name": "Tiers-lieu",
        "start": "2030-12-01T09:00:00+01:00",
        "end": "2030-12-01T10:00:00+01:00",
        "seats": 1,
        "name": "Après le poison",
        "email": email,
        "language": "fr",
    }
    return make_event("booking", "booking_confirmed", data, territory=territory)


def test_poison_events_are_parked_and_the_consumer_keeps_working(platform):
    marker = f"poison-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    connection = pika.BlockingConnection(pika.URLParameters(platform.amqp_uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for body, content_type in poison(marker):
            channel.basic_publish(
                "",
                QUEUE,
                body,
                pika.BasicProperties(content_type=content_type, delivery_mode=2),
                mandatory=True,
            )
        after = f"after.{marker}@example.org"
        channel.basic_publish(
            "booking.events",
            "booking_confirmed",
            json.dumps(booking_event(platform.profile.territory, after)).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
            mandatory=True,
        )
    finally:
        connection.close()

    # The consumer kept working: the valid event after the poison is emailed.
    wait_for(lambda: emails(platform.mail_dir, after), timeout=30)
    emailed_in = time.monotonic() - started

    def parked() -> list[dict]:
        with httpx.Client(base_url=platform.url, timeout=30, headers=OPERATOR) as api:
            response = api.get("/api/admin/dead-letters/notifications")
        assert response.status_code == 200, response.text
        return [d for d in response.json() if marker in str(d["event"])]

    expected = {f"{marker}-{n}" for n in range(1, 6)}

    def all_parked() -> bool:
        seen = {tag for d in parked() for tag in expected if tag in str(d["event"])}
        return seen == expected

    try:
        wait_for(all_parked, timeout=20)
    except AssertionError:
        found = sorted({t for d in parked() for t in expected if t in str(d["event"])})
        pytest.fail(f"{len(found)} of {len(expected)} poison messages parked: {found}")
    letters = parked()
    assert len(letters) == len(expected)
    for letter in letters:
        assert letter["handler"] == "on_booking_confirmed"
        assert letter["last_error"]
    platform.check_alive()  # no service died of it
    print(
        f"\n{len(letters)}/{len(expected)} poison messages parked as dead letters; the valid "
        f"event published after them emailed {emailed_in:.1f} s after the first publish"
    )
