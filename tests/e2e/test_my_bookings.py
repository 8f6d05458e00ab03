"""My bookings against the real stack (issue 7): Véronique signs up and books with her bearer
token, finds it in /api/me/bookings; another member sees it without her and cannot cancel
it; she cancels, the seat is free again and the cancellation email (METHOD:CANCEL) arrives.
Every booking route against every kind of caller: ``test_roles_matrix.py``."""

from __future__ import annotations

import uuid

import pytest
from icalendar import Calendar

from .helpers import booking_for, emails, is_problem, member, one_seat, wait_for

pytestmark = pytest.mark.e2e


def test_veronique_books_sees_and_cancels_her_booking(verdon, api):
    veronique, hers = member(verdon, api, "Véronique")
    thierry, thierrys = member(verdon, api, "Thierry")
    resource = one_seat(api)
    wanted = booking_for(resource["id"], veronique, offset_days=4)

    made = api.post("/api/bookings", json=wanted, headers=hers)
    assert made.status_code == 201, made.text
    booking = made.json()
    assert booking["email"] == veronique and booking["status"] == "confirmed"

    mine = api.get("/api/me/bookings", headers=hers)
    assert mine.status_code == 200 and [b["id"] for b in mine.json()] == [booking["id"]]
    is_problem(api.get("/api/me/bookings"), 401)
    assert api.get("/api/me/bookings", headers=thierrys).json() == []

    # Thierry: the booking without the person, and no cancelling it.
    seen = api.get(f"/api/bookings/{booking['id']}", headers=thierrys).json()
    assert seen["name"] is None and seen["email"] is None and seen["status"] == "confirmed"
    refused = is_problem(api.post(f"/api/bookings/{booking['id']}/cancel", headers=thierrys), 403)
    assert refused["code"] == "forbidden"
    # The seat is still hers: Thierry, booking it for himself, is refused; and he may not
    # book in someone else's name (he manages no place).
    for_himself = {k: v for k, v in wanted.items() if k not in ("email", "name")}
    taken = api.post("/api/bookings", json=for_himself, headers=thierrys)
    assert is_problem(taken, 409)["code"] == "no_seat_left"
    for_her = api.post("/api/bookings", json=wanted, headers=thierrys)
    assert is_problem(for_her, 403)["code"] == "forbidden"

    key = {"Idempotency-Key": f"cancel-{uuid.uuid4().hex}"}
    cancelled = api.post(f"/api/bookings/{booking['id']}/cancel", headers={**hers, **key})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/bookings/{booking['id']}/cancel", headers={**hers, **key})
    assert again.json() == cancelled.json()
    assert api.get("/api/me/bookings", headers=hers).json()[0]["status"] == "cancelled"

    # The seat is free again: Thierry takes it.
    again_free = api.post("/api/bookings", json=for_himself, headers=thierrys)
    assert again_free.status_code == 201, again_free.text
    assert again_free.json()["email"] == thierry and again_free.json()["name"] == "Thierry"

    def cancellation():
        return [m for m in emails(verdon.mail_dir, veronique) if "annulée" in str(m["Subject"])]

    [message] = wait_for(cancellation, timeout=20)
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(event["UID"]) == f"booking-{booking['id']}@maillage"
