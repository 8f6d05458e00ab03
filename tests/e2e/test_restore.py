"""Restoring a cancelled booking against the real platform (issue 8, "un-cancelling
notifies"): Véronique books a desk, the facilitator cancels it by mistake, finds it in the
planning's cancelled bookings and restores it; she receives « Votre réservation est
rétablie » with the invitation that replaces the cancellation (same UID, SEQUENCE 2). A
booking whose seat went to someone else meanwhile cannot be restored. The reminders
themselves are proved on the real broker, database and SMTP sink in
services/booking/tests/service/test_reminders_service.py (their timer runs every minute at
the real time: an e2e test would wait for the clock)."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from .helpers import OPERATOR, add_resource, create_place, day, emails, is_problem, member, wait_for

pytestmark = pytest.mark.e2e


def manager_of(verdon, api, place_id: str) -> dict:
    """A new member made a manager of the place: their headers."""
    address, headers = member(verdon, api, "Sandrine")
    grant = {"email": address, "role": "manager", "scope": f"place:{place_id}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    return headers


def test_the_place_restores_a_booking_cancelled_by_mistake_and_she_is_told(verdon, api):
    place = create_place(api, name="Tiers-lieu des retours")
    desk = {"name": "Bureau partagé", "kind": "desk_pool", "seats": 1}
    resource = add_resource(api, place["id"], {**desk, "reminder_hours_before": 48})
    shown = api.get(f"/api/resources/{resource['id']}").json()
    assert shown["reminder_hours_before"] == 48
    veronique, hers = member(verdon, api, "Véronique")
    _, thierrys = member(verdon, api, "Thierry")
    facilitator = manager_of(verdon, api, place["id"])

    wanted = {"resource_id": resource["id"], "start": day(4, 9), "end": day(4, 10)}
    made = api.post("/api/bookings", json=wanted, headers=hers).json()
    cancel = {"reason": "Erreur de manipulation"}
    gone = api.post(f"/api/bookings/{made['id']}/cancel", json=cancel, headers=facilitator)
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled", gone.text

    planning = api.get(
        f"/api/places/{place['id']}/planning",
        params={"date": day(4, 9)[:10]},
        headers=facilitator,
    ).json()
    assert planning["bookings"] == []
    assert [b["id"] for b in planning["cancelled"]] == [made["id"]]

    restore = f"/api/bookings/{made['id']}/restore"
    assert is_problem(api.post(restore, headers=hers), 403)["code"] == "forbidden"
    restored = api.post(restore, headers=facilitator)
    assert restored.status_code == 200 and restored.json()["status"] == "confirmed", restored.text
    # Her seat is hers again: Thierry cannot take it.
    assert is_problem(api.post("/api/bookings", json=wanted, headers=thierrys), 409)
    # Restoring it again answers it again (no second email: see the subjects below).
    assert api.post(restore, headers=facilitator).json() == restored.json()

    def told():
        got = {str(m["Subject"]).split(" :")[0]: m for m in emails(verdon.mail_dir, veronique)}
        return got if "Réservation rétablie" in got and "Réservation annulée" in got else None

    got = wait_for(told, timeout=30)
    subjects = [str(m["Subject"]) for m in emails(verdon.mail_dir, veronique)]
    assert sum(s.startswith("Réservation rétablie") for s in subjects) == 1
    text = got["Réservation rétablie"].get_body(("plain",)).get_content()
    assert "Votre réservation est rétablie." in text and "Bureau partagé" in text
    [ics] = list(got["Réservation rétablie"].iter_attachments())
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"booking-{made['id']}@maillage"
    assert int(event["SEQUENCE"]) == 2


def test_a_booking_whose_seat_was_taken_since_stays_cancelled(verdon, api):
    place = create_place(api, name="Tiers-lieu complet")
    desk = {"name": "Bureau unique", "kind": "desk_pool", "seats": 1}
    resource = add_resource(api, place["id"], desk)
    _, hers = member(verdon, api, "Véronique")
    _, thierrys = member(verdon, api, "Thierry")
    wanted = {"resource_id": resource["id"], "start": day(5, 9), "end": day(5, 10)}
    made = api.post("/api/bookings", json=wanted, headers=hers).json()
    assert api.post(f"/api/bookings/{made['id']}/cancel", headers=hers).status_code == 200
    assert api.post("/api/bookings", json=wanted, headers=thierrys).status_code == 201
    refusal = is_problem(api.post(f"/api/bookings/{made['id']}/restore", headers=OPERATOR), 409)
    assert refusal["code"] == "no_seat_left"
    assert api.get(f"/api/bookings/{made['id']}", headers=hers).json()["status"] == "cancelled"
