"""Calendar feeds on the real platform (issue 8): Véronique books, makes her feed's link and
reads it as a calendar app would (no cookie, no header): her booking, with the UID of the
invitation she was emailed; she cancels, the feed says so. A one-seat office's busy feed
shows it busy while booked, then free once cancelled."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from icalendar import Calendar

from .helpers import booking_for, emails, is_problem, member, one_seat, wait_for

pytestmark = pytest.mark.e2e


def events(response: httpx.Response) -> list:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return [part for part in Calendar.from_ical(response.content).walk() if part.name == "VEVENT"]


def feed_path(url: str) -> str:
    """The feed's path and query (the link names the public address, not the test's port)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_member_s_feed_and_a_resource_s_busy_feed(verdon, api):
    veronique, hers = member(verdon, api, "Véronique")
    resource = one_seat(api)
    busy_path = f"/api/resources/{resource['id']}/busy.ics"
    assert events(api.get(busy_path)) == []  # free

    made = api.post("/api/bookings", json=booking_for(resource["id"], offset_days=5), headers=hers)
    assert made.status_code == 201, made.text
    booking = made.json()

    link = api.post("/api/me/calendar-token", headers=hers)
    assert link.status_code == 201, link.text
    path = feed_path(link.json()["url"])
    with httpx.Client(base_url=verdon.url, timeout=30) as app:  # a calendar app: the URL alone
        response = app.get(path)
        assert response.headers["cache-control"].startswith("private")
        [event] = events(response)
        assert str(event["uid"]) == f"booking-{booking['id']}@maillage"
        assert str(event["status"]) == "CONFIRMED"
        assert str(event["summary"]).startswith("Bureau du fond – Riez ")
        assert str(event["location"]).endswith(", Riez")
        assert event["dtstart"].dt.isoformat() == booking["start"].replace("Z", "+00:00")

        # The emailed invitation has the same UID: a calendar app shows one event.
        def invitation() -> list:
            return [
                part
                for message in emails(verdon.mail_dir, veronique)
                for part in message.iter_attachments()
                if part.get_content_type() == "text/calendar"
            ]

        ics = wait_for(invitation, timeout=20)[0]
        [invited] = [
            c for c in Calendar.from_ical(ics.get_payload(decode=True)).walk() if c.name == "VEVENT"
        ]
        assert str(invited["uid"]) == str(event["uid"])

        # Full: the one-seat office is busy for that hour, with no one named.
        busy = api.get(busy_path)
        [period] = events(busy)
        assert (period["dtstart"].dt, period["dtend"].dt) == (
            event["dtstart"].dt,
            event["dtend"].dt,
        )
        assert str(period["summary"]) == "Occupé"
        assert b"V\xc3\xa9ronique" not in busy.content and veronique.encode() not in busy.content

        cancelled = api.post(f"/api/bookings/{booking['id']}/cancel", headers=hers)
        assert cancelled.status_code == 200, cancelled.text
        [event] = events(app.get(path))
        assert str(event["status"]) == "CANCELLED"
        assert str(event["summary"]).startswith("Annulé : Bureau du fond")
        assert events(api.get(busy_path)) == []  # free again

        # Revoked: the app's URL is an address that no longer exists.
        assert api.delete("/api/me/calendar-token", headers=hers).status_code == 204
        assert is_problem(app.get(path), 404)["code"] == "route_not_found"
