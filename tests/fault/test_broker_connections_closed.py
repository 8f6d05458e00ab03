"""Fault 1 and 7 of issue 6: the broker closes every connection of the gateway (what a broker
restart or an operator's ``rabbitmqctl close_all_connections`` does to it). The next requests
must succeed on fresh connections, a write must land once, and capabilities must not report
a running service absent while the gateway reconnects.

Only the gateway's connections of this test's vhost are closed (``connection_name`` is
``maillage-gateway``), so that other tests and the services' own connections are untouched.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import httpx
import pytest

from tests.e2e.conftest import running
from tests.e2e.helpers import OPERATOR, PLACE

from .test_gateway_idle import CONCURRENT, burst

pytestmark = pytest.mark.skipif(
    shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl (a local broker)"
)

RUNNING = {"directory": True, "booking": True, "clubs": False, "notifications": False}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MAILLAGE_RPC_POOL_SIZE", str(CONCURRENT))
        with running("baronnies", tmp_path_factory) as platform:
            yield platform


def gateway_connections(vhost: str) -> list[str]:
    """The broker's process ids of the gateway's connections in ``vhost``."""
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "vhost", "pid", "client_properties"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    names = []
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[0] == vhost and '"maillage-gateway"' in fields[2]:
            names.append(fields[1])
    return names


def close_gateway_connections(vhost: str) -> int:
    names = gateway_connections(vhost)
    for name in names:
        subprocess.run(
            ["rabbitmqctl", "-q", "close_connection", name, "fault test: broker going away"],
            check=True,
            capture_output=True,
            timeout=60,
        )
    return len(names)


def test_requests_succeed_after_the_broker_closed_every_gateway_connection(platform):
    warm = burst(platform.url, [("GET", "/api/places", {})] * CONCURRENT)
    assert [r.status_code for r in warm] == [200] * CONCURRENT
    before = set(gateway_connections(platform.vhost))
    closed = close_gateway_connections(platform.vhost)
    assert closed >= 1

    name = f"Tiers-lieu {uuid.uuid4().hex[:8]}"
    write = ("POST", "/api/places", {"json": {**PLACE, "name": name}, "headers": OPERATOR})
    reads = [("GET", "/api/places", {})] * (CONCURRENT - 2)
    started = time.monotonic()
    responses = burst(platform.url, [write, ("GET", "/api/capabilities", {}), *reads])
    took = time.monotonic() - started
    ok = sum(r.status_code < 300 for r in responses)
    print(f"\n{closed} connections closed: {ok}/{CONCURRENT} requests ok in {took:.2f} s")

    assert [r.status_code for r in responses] == [201] + [200] * (CONCURRENT - 1), [
        r.text for r in responses
    ]
    assert responses[1].json()["services"] == RUNNING
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        assert [p["name"] for p in api.get("/api/places").json()].count(name) == 1
    after = set(gateway_connections(platform.vhost))
    assert after and not after & before  # every connection in use is a new one


def test_capabilities_do_not_flap_after_the_connections_are_closed(platform):
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        assert api.get("/api/capabilities").json()["services"] == RUNNING
        for _ in range(3):
            burst(platform.url, [("GET", "/api/places", {})] * CONCURRENT)
            assert close_gateway_connections(platform.vhost) >= 1
            # Every answer right after the cut, not only the first: no 5 s of "absent".
            answers = burst(platform.url, [("GET", "/api/capabilities", {})] * CONCURRENT)
            assert [r.json()["services"] for r in answers] == [RUNNING] * CONCURRENT
            assert api.get("/api/ready").status_code == 200
