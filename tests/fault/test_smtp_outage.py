"""Fault 3: email after an SMTP outage longer than the event handler's retries.

The platform runs with the end-to-end test settings (``tests/e2e/conftest.py`` ``FAST``):
``MAILLAGE_HANDLER_RETRY_BASE_SECONDS=0.2`` and the default 5 attempts, so a handler that
sends the email itself gives up after 0.2 + 0.4 + 0.8 + 1.6 = 3.0 s of backoff (at most
about 7 s with the inbox's one-second retry loop) and parks the event as a dead letter:
nothing is emailed when SMTP comes back. The outage here lasts ``OUTAGE_SECONDS`` after
the last booking, more than twice that window. Every acknowledged booking must get its one
email, by itself, once the SMTP server is back on the same port.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.e2e.conftest import running
from tests.e2e.helpers import (
    OPERATOR,
    add_resource,
    booking_for,
    create_place,
    deliveries,
    emails,
    wait_for,
)

BOOKINGS = 20
OLD_WINDOW_SECONDS = 0.2 + 0.4 + 0.8 + 1.6 + 4 * 1.0  # backoff + the retry loop's ticks
OUTAGE_SECONDS = 15.0


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    # A platform of its own: stopping its SMTP server must not disturb other tests.
    with running("verdon", tmp_path_factory) as platform:
        yield platform


def test_every_acknowledged_booking_is_emailed_once_after_a_long_smtp_outage(platform):
    assert OUTAGE_SECONDS > 2 * OLD_WINDOW_SECONDS
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        place = create_place(api, name="Tiers-lieu sans courriel")
        resource = add_resource(
            api, place["id"], {"name": "Open space", "kind": "desk_pool", "seats": 50}
        )
        # The coordinator's email about the new place: SMTP works before the outage.
        wait_for(lambda: emails(platform.mail_dir, platform.profile.coordinator_email))

        platform.stop_smtp()
        run = uuid.uuid4().hex[:6]
        people = [f"person{n}.{run}@example.org" for n in range(BOOKINGS)]
        acknowledged = 0
        for n, email in enumerate(people):
            response = api.post(
                "/api/bookings",
                json=booking_for(resource["id"], email, f"Personne {n}"),
                # the operator books for each person (name and email)
                headers={**OPERATOR, "Idempotency-Key": f"outage-{run}-{n}"},
            )
            assert response.status_code == 201, response.text
            acknowledged += 1
        # While SMTP is away: the deliveries wait, none is lost or parked.
        time.sleep(OUTAGE_SECONDS)
        waiting = [d for d in deliveries(platform) if d["to"].endswith(f".{run}@example.org>")]
        parked = api.get("/api/admin/dead-letters/notifications", headers=OPERATOR).json()

        restarted = time.monotonic()
        platform.start_smtp()

        def emailed() -> int:
            return sum(1 for email in people if emails(platform.mail_dir, email))

        try:
            wait_for(lambda: emailed() == BOOKINGS, timeout=60, interval=0.1)
        except AssertionError:
            pytest.fail(
                f"{emailed()} of {BOOKINGS} acknowledged bookings emailed within 60 s of "
                f"SMTP's return; {len(parked)} dead letters after the outage"
            )
        recovered = time.monotonic() - restarted
        # During the outage the deliveries waited in the log; none was parked.
        assert len(waiting) == BOOKINGS, waiting
        assert {d["status"] for d in waiting} == {"pending"}, waiting
        assert parked == []

        def all_sent() -> bool:
            log = [d for d in deliveries(platform) if d["to"].endswith(f".{run}@example.org>")]
            return len(log) == BOOKINGS and all(d["status"] == "sent" for d in log)

        wait_for(all_sent, timeout=30)
        # A later booking's email: whatever the outage could have sent twice is sent by now.
        marker = f"marker.{run}@example.org"
        response = api.post(
            "/api/bookings",
            json=booking_for(resource["id"], marker, "Marqueur"),
            headers=OPERATOR,
        )
        assert response.status_code == 201, response.text
        wait_for(lambda: emails(platform.mail_dir, marker), timeout=30)

        counts = {email: len(emails(platform.mail_dir, email)) for email in people}
        assert counts == dict.fromkeys(people, 1)
        assert api.get("/api/admin/dead-letters/notifications", headers=OPERATOR).json() == []
        print(
            f"\nSMTP outage of {OUTAGE_SECONDS:.0f} s after the last booking: "
            f"{acknowledged}/{BOOKINGS} acknowledged, {sum(counts.values())} emailed "
            f"(once each), all sent {recovered:.1f} s after the SMTP server came back"
        )
