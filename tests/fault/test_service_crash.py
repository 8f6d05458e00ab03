"""Issue 6: the booking service killed -9 under booking load, then started again.

Requests in its hands at the kill are redelivered by RabbitMQ to the new process (so they run
twice: idempotency keys), bookings it left ``held`` are finished by the clients' retries with
their key, events it had written but not relayed leave through the outbox on restart.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import running
from tests.fault.test_database_crash import (
    BOOKINGS,
    CLIENTS,
    TERRITORY,
    Load,
    check_nothing_lost_nothing_twice,
    kill9,
    make_resource,
)
from tests.support import wait_until

DOWN_SECONDS = 1.0


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running(TERRITORY, tmp_path_factory) as platform:
        yield platform


def test_a_booking_service_crash_loses_and_doubles_nothing(platform):
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        resource = make_resource(api, "Tiers-lieu du service tué")
    load = Load(platform.url, resource["id"], BOOKINGS, CLIENTS, "svccrash").start()

    wait_until(lambda: len(load.acknowledged()) >= BOOKINGS // 3, timeout=60, interval=0.01)
    kill9(platform, "booking")
    time.sleep(DOWN_SECONDS)
    restarted_at = time.monotonic()
    platform.start_service("booking")
    load.wait()

    after = [b.acknowledged_at for b in load.bookings if (b.acknowledged_at or 0) > restarted_at]
    recovered_in = min(after) - restarted_at if after else float("nan")
    attempts = load.attempts()
    print(
        f"\n[service crash] attempts: {len(attempts)} for {len(load.bookings)} bookings, "
        f"non-201: {[(a.status, a.code) for a in attempts if a.status != 201]}; "
        f"first booking acknowledged {recovered_in:.2f} s after the restart",
        flush=True,
    )
    assert len(load.acknowledged()) == BOOKINGS  # every booking, retried with its key, got in
    check_nothing_lost_nothing_twice(platform, load, "service crash")
