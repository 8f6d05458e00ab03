"""Fault 2 of issue 6: acknowledged writes and a database crash.

SecantusDB is killed -9 under booking load and restarted on the same storage. Writes used the
default write concern (``w: 1``, not journaled): the last writes before the kill were
acknowledged and lost (a confirmed booking back to ``held``, then swept as abandoned; an
outbox or inbox record lost, hence a second email). While the database was down, clients got
500 after about 5 s.

Now every connection writes ``j: true`` (``w: "majority"`` too on a replica set) and a
database away answers 503 with ``Retry-After`` within 5 s. The clients here behave as the
API asks: each booking has its own Idempotency-Key and is sent again with it on a 5xx or a
broken connection until acknowledged. The bookings are made by the operator for 48 people
(a manager booking for someone: name and email), so that each person's email is counted.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.conftest import running
from tests.e2e.helpers import OPERATOR, PLACE, booking_for, day, deliveries, operator_call
from tests.support import read_emails, wait_until
from tools import infra

TERRITORY = "aquitaine"  # directory, booking, notifications: the email is part of the proof
BOOKINGS = 48
CLIENTS = 12
DOWN_SECONDS = 4.0  # the database stays dead this long: longer than server selection
ANSWER_WITHIN = 5.0
LOAD_DEADLINE = 120.0


@dataclass
class Attempt:
    started: float
    ended: float
    status: int | str  # an HTTP status, or the name of a connection error
    code: str | None = None
    retry_after: str | None = None

    @property
    def took(self) -> float:
        return self.ended - self.started


@dataclass
class Booking:
    index: int
    key: str
    email: str
    body: dict
    acknowledged: dict | None = None
    acknowledged_at: float | None = None
    attempts: list[Attempt] = field(default_factory=list)


class Load:
    """``count`` bookings of one-seat resource slots, each on its own slot (none can be
    refused), sent by ``clients`` threads that retry with the same key until acknowledged."""

    def __init__(self, url: str, resource_id: str, count: int, clients: int, tag: str):
        self.url = url
        self.clients = clients
        self.bookings = [
            Booking(
                index=i,
                key=f"{tag}-{uuid.uuid4().hex}",
                email=f"{tag}-{i}@example.org",
                body={
                    "resource_id": resource_id,
                    "start": day(3 + i // 8, 9 + i % 8),
                    "end": day(3 + i // 8, 10 + i % 8),
                    "name": f"Client {i}",
                    "email": f"{tag}-{i}@example.org",
                },
            )
            for i in range(count)
        ]
        self.deadline = time.monotonic() + LOAD_DEADLINE
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list = []

    def start(self) -> Load:
        self._pool = ThreadPoolExecutor(self.clients)
        self._futures = [self._pool.submit(self._book, b) for b in self.bookings]
        return self

    def wait(self) -> None:
        for future in self._futures:
            future.result()
        self._pool.shutdown()

    def acknowledged(self) -> list[Booking]:
        return [b for b in self.bookings if b.acknowledged]

    def attempts(self) -> list[Attempt]:
        return [a for b in self.bookings for a in b.attempts]

    def _book(self, booking: Booking) -> None:
        headers = {**OPERATOR, "Idempotency-Key": booking.key}
        with httpx.Client(base_url=self.url, timeout=30) as api:
            while time.monotonic() < self.deadline:
                started = time.monotonic()
                try:
                    response = api.post("/api/bookings", json=booking.body, headers=headers)
                except httpx.HTTPError as error:
                    failed = Attempt(started, time.monotonic(), type(error).__name__)
                    booking.attempts.append(failed)
                    time.sleep(0.2)
                    continue
                code = None
                if response.headers.get("content-type", "").startswith("application/problem"):
                    code = response.json().get("code")
                booking.attempts.append(
                    Attempt(
                        started,
                        time.monotonic(),
                        response.status_code,
                        code,
                        response.headers.get("retry-after"),
                    )
                )
                if response.status_code == 201:
                    booking.acknowledged = response.json()
                    booking.acknowledged_at = time.monotonic()
                    return
                if response.status_code < 500:
                    return  # refused: the assertions will say so
                time.sleep(0.2)


def make_resource(api: httpx.Client, name: str) -> dict:
    place = api.post("/api/places", json={**PLACE, "name": name}, headers=OPERATOR)
    assert place.status_code == 201, place.text

    def attempt():
        response = api.post(
            f"/api/places/{place.json()['id']}/resources",
            json={"name": "Bureau partagé", "kind": "desk_pool", "seats": 1},
            headers=OPERATOR,
        )
        if response.status_code == 404 and response.json().get("code") == "unknown_place":
            return None
        assert response.status_code == 201, response.text
        return response.json()

    return wait_until(attempt, timeout=20)


def booking_db(platform):
    """The booking service's documents, bound in this process as the service binds them."""
    from services.booking.models import ALIAS
    from services.common.db import connect

    return connect(ALIAS, platform.mongo_uri, f"{platform.profile.territory}_booking")


def sweep_everything_held(platform) -> int:
    """The abandoned-booking sweep, run now as if every held booking were long abandoned:
    the worst case for a confirmation the crash might have reverted."""
    from services.booking import commands
    from services.booking.rules import states

    booking_db(platform)
    later = datetime.now(UTC) + states.ABANDONED_AFTER + timedelta(minutes=1)
    return commands.release_abandoned(later)


def check_nothing_lost_nothing_twice(platform, load: Load, label: str) -> dict:
    """acknowledged = stored (confirmed) = emailed exactly once each, after the sweep."""
    slug = label.replace(" ", "-")
    from services.common.outbox import PENDING

    acknowledged = load.acknowledged()
    refused = [(b.index, b.attempts[-1]) for b in load.bookings if not b.acknowledged]
    assert not refused, f"bookings never acknowledged: {refused}"
    assert len({b.acknowledged["id"] for b in acknowledged}) == len(acknowledged)

    db = booking_db(platform)
    swept = sweep_everything_held(platform)
    stored = {
        str(d["_id"]): d
        for d in db["bookings"].find({"idempotency_key": {"$in": [b.key for b in load.bookings]}})
    }
    statuses = Counter(d["status"] for d in stored.values())
    missing = [b.acknowledged["id"] for b in acknowledged if b.acknowledged["id"] not in stored]
    not_confirmed = {
        b.acknowledged["id"]: stored[b.acknowledged["id"]]["status"]
        for b in acknowledged
        if b.acknowledged["id"] in stored and stored[b.acknowledged["id"]]["status"] != "confirmed"
    }

    # Every event relayed; then a marker booking's email is the positive signal that the
    # notifications service has handled everything published before it.
    wait_until(lambda: db["bookings"].count_documents(PENDING) == 0, timeout=60)
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        resource = make_resource(api, f"Marqueur {label}")
        marker = api.post(
            "/api/bookings",
            json=booking_for(resource["id"], f"marker-{slug}@example.org", "Marqueur", 40),
            headers=OPERATOR,
        )
        assert marker.status_code == 201, marker.text
    wait_until(lambda: read_emails(platform.mail_dir, f"marker-{slug}@example.org"), timeout=60)
    try:
        wait_until(
            lambda: all(read_emails(platform.mail_dir, b.email) for b in acknowledged), timeout=60
        )
    except AssertionError:
        raise AssertionError(unsent_report(platform, acknowledged)) from None
    emailed = {b.email: len(read_emails(platform.mail_dir, b.email)) for b in acknowledged}

    figures = {
        "acknowledged": len(acknowledged),
        "stored confirmed": statuses.get("confirmed", 0),
        "stored by status": dict(statuses),
        "swept": swept,
        "emailed once": sum(1 for n in emailed.values() if n == 1),
        "emailed more than once": sum(1 for n in emailed.values() if n > 1),
    }
    print(f"\n[{label}] " + ", ".join(f"{k}: {v}" for k, v in figures.items()), flush=True)
    assert not missing, f"acknowledged bookings lost: {missing}"
    assert not not_confirmed, f"acknowledged bookings not confirmed: {not_confirmed}"
    assert swept == 0
    assert figures["stored confirmed"] == len(acknowledged) == len(load.bookings)
    assert all(n == 1 for n in emailed.values()), {e: n for e, n in emailed.items() if n != 1}
    return figures


def unsent_report(platform, acknowledged) -> str:
    """Where the emails that never came are: the delivery log's lines for their addresses and
    notifications' dead letters (seen once in CI, not reproduced: this says which step)."""
    unsent = {b.email for b in acknowledged if not read_emails(platform.mail_dir, b.email)}
    logged = [d for d in deliveries(platform) if any(a in str(d.get("to")) for a in unsent)]
    dead = operator_call(platform, "notifications", "dead_letters")
    return f"no email for {sorted(unsent)}; their deliveries: {logged}; dead letters: {dead}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running(TERRITORY, tmp_path_factory) as platform:
        yield platform


def kill9(platform, name: str) -> None:
    process = platform.processes[name]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def restart_database(platform) -> None:
    """SecantusDB again, on the same port and the same storage."""
    storage = platform.var / "mongo"
    platform.spawn("secantusdb", infra.secantus_command(platform.ports.mongo, storage))
    infra.wait_port("127.0.0.1", platform.ports.mongo, 60, "SecantusDB")


def probe(url: str, path: str) -> Attempt:
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=30) as api:
        response = api.get(path)
    return Attempt(
        started,
        time.monotonic(),
        response.status_code,
        response.json().get("code"),
        response.headers.get("retry-after"),
    )


def test_a_database_crash_loses_no_acknowledged_booking(platform):
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        resource = make_resource(api, "Tiers-lieu du crash")
    load = Load(platform.url, resource["id"], BOOKINGS, CLIENTS, "dbcrash").start()

    wait_until(lambda: len(load.acknowledged()) >= BOOKINGS // 3, timeout=60, interval=0.01)
    killed_at = time.monotonic()
    kill9(platform, "secantusdb")
    # While it is down: an explicit read, besides the load's own writes.
    down = probe(platform.url, f"/api/bookings/{load.acknowledged()[0].acknowledged['id']}")
    time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - killed_at)))
    restarted_at = time.monotonic()
    restart_database(platform)
    load.wait()

    after = [b.acknowledged_at for b in load.bookings if (b.acknowledged_at or 0) > restarted_at]
    recovered_in = min(after) - restarted_at if after else float("nan")
    attempts = load.attempts()
    unavailable = [a for a in attempts if a.status == 503]
    statuses = Counter(a.status for a in attempts)
    print(
        f"\n[database crash] attempts by status: {dict(statuses)}; "
        f"503s: {len(unavailable)} (slowest {max((a.took for a in unavailable), default=0):.2f} s,"
        f" every one with Retry-After: {all(a.retry_after for a in unavailable)}); "
        f"probe while down: {down.status} {down.code} in {down.took:.2f} s; "
        f"first booking acknowledged {recovered_in:.2f} s after the restart",
        flush=True,
    )
    check_nothing_lost_nothing_twice(platform, load, "database crash")

    # While the database was down: 503 with Retry-After, within 5 s, never a 500.
    assert (down.status, down.code) == (503, "database_unavailable")
    assert down.retry_after and down.took < ANSWER_WITHIN
    assert unavailable, "no request met the dead database"
    for attempt in unavailable:
        assert attempt.code == "database_unavailable" and attempt.retry_after, attempt
        assert attempt.took < ANSWER_WITHIN, attempt
    others = [a for a in attempts if isinstance(a.status, int) and a.status not in (201, 503)]
    assert not others, others
    assert recovered_in < 10
