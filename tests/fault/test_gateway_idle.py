"""Fault 1 of issue 6: an idle gateway. pika's ``BlockingConnection`` answers heartbeats only
while called into, so RabbitMQ drops an idle pool slot after two missed heartbeats; the next
request on it used to fail with 503 "message bus unreachable (StreamLostError)".

Here the gateway's heartbeat is 2 s (``MAILLAGE_RPC_HEARTBEAT``): the broker drops an
unserviced connection after about 4–6 s, so 8 s of silence is enough to reproduce it.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import running
from tests.e2e.helpers import OPERATOR, PLACE

HEARTBEAT = 2
IDLE = 4 * HEARTBEAT  # past the broker's two missed heartbeats, with room to spare
CONCURRENT = 8  # the gateway's pool size: every slot is used, and every one went idle


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MAILLAGE_RPC_HEARTBEAT", str(HEARTBEAT))
        env.setenv("MAILLAGE_RPC_POOL_SIZE", str(CONCURRENT))
        with running("baronnies", tmp_path_factory) as platform:
            yield platform


def burst(url: str, requests: list[tuple[str, str, dict]]) -> list[httpx.Response]:
    """The requests at once, each on its own connection to the gateway."""

    def send(request: tuple[str, str, dict]) -> httpx.Response:
        method, path, options = request
        with httpx.Client(base_url=url, timeout=30) as api:
            return api.request(method, path, **options)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_an_idle_gateway_answers_every_request_and_writes_once(platform):
    # Open every pool slot, then leave them all idle past the broker's patience.
    warm = burst(platform.url, [("GET", "/api/places", {})] * CONCURRENT)
    assert [r.status_code for r in warm] == [200] * CONCURRENT
    time.sleep(IDLE)

    name = f"Tiers-lieu {uuid.uuid4().hex[:8]}"
    write = ("POST", "/api/places", {"json": {**PLACE, "name": name}, "headers": OPERATOR})
    started = time.monotonic()
    responses = burst(platform.url, [write] + [("GET", "/api/places", {})] * (CONCURRENT - 1))
    took = time.monotonic() - started

    statuses = [r.status_code for r in responses]
    ok = sum(r.status_code < 300 for r in responses)
    print(f"\nafter {IDLE} s idle: {ok}/{CONCURRENT} requests ok in {took:.2f} s")
    assert statuses == [201] + [200] * (CONCURRENT - 1), [r.text for r in responses]
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        places = api.get("/api/places").json()
    assert [p["name"] for p in places].count(name) == 1


def test_idle_again_and_again(platform):
    # Each silence drops the connections opened after the last one: recovery is not one-off.
    for _ in range(2):
        time.sleep(IDLE)
        responses = burst(platform.url, [("GET", "/api/capabilities", {})] * CONCURRENT)
        assert [r.status_code for r in responses] == [200] * CONCURRENT
        for response in responses:
            assert response.json()["services"] == {
                "directory": True,
                "booking": True,
                "clubs": False,
                "notifications": False,
            }
