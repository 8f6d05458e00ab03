"""My bookings against the real stack (issue 7): Véronique signs up and books with her bearer
token, finds it in /api/me/bookings; another member sees it without her and cannot cancel
it; she cancels, the seat is free again and the cancellation email (METHOD:CANCEL) arrives.
Then every booking route against every kind of caller."""

from __future__ import annotations

import unicodedata
import uuid

import httpx
import pytest
from icalendar import Calendar
from pymongo import MongoClient

from .helpers import PLACE, add_resource, booking_for, emails, is_problem, wait_for
from .test_accounts import confirmation_token

pytestmark = pytest.mark.e2e

PASSWORD = "un mot de passe sûr"
OPERATOR = {"Authorization": "Bearer e2e-token"}


def member(verdon, api, name: str) -> tuple[str, dict]:
    """A confirmed member: (address, bearer headers)."""
    # An ASCII local part: the sink's .eml keeps a UTF-8 one as raw bytes, which the test
    # helper's parser does not read back as the same address.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    address = f"{ascii_name}.{uuid.uuid4().hex[:8]}@example.org"
    response = api.post(
        "/api/auth/signup", json={"email": address, "password": PASSWORD, "name": name}
    )
    assert response.status_code == 202
    token = confirmation_token(verdon, address)
    with httpx.Client(base_url=verdon.url, timeout=30) as browser:  # its own session cookie
        assert browser.get("/api/auth/confirm", params={"token": token}).status_code == 303
    issued = api.post("/api/auth/token", json={"email": address, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return address, {"Authorization": f"Bearer {issued.json()['access_token']}"}


def one_seat(api) -> dict:
    response = api.post("/api/places", json={**PLACE, "name": f"Riez {uuid.uuid4().hex[:6]}"})
    assert response.status_code == 201, response.text
    body = {"name": "Bureau du fond", "kind": "office", "seats": 1}
    return add_resource(api, response.json()["id"], body)


def test_veronique_books_sees_and_cancels_her_booking(verdon, api):
    veronique, hers = member(verdon, api, "Véronique")
    _, thierrys = member(verdon, api, "Thierry")
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
    # The seat is still hers.
    taken = api.post("/api/bookings", json={**wanted, "email": "x@example.org"}, headers=thierrys)
    assert is_problem(taken, 409)["code"] == "no_seat_left"

    key = {"Idempotency-Key": f"cancel-{uuid.uuid4().hex}"}
    cancelled = api.post(f"/api/bookings/{booking['id']}/cancel", headers={**hers, **key})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/bookings/{booking['id']}/cancel", headers={**hers, **key})
    assert again.json() == cancelled.json()
    assert api.get("/api/me/bookings", headers=hers).json()[0]["status"] == "cancelled"

    # The seat is free again: Thierry takes it.
    thierry_books = {**wanted, "email": "thierry@example.org", "name": "Thierry"}
    assert api.post("/api/bookings", json=thierry_books, headers=thierrys).status_code == 201

    def cancellation():
        return [m for m in emails(verdon.mail_dir, veronique) if "annulée" in str(m["Subject"])]

    [message] = wait_for(cancellation, timeout=20)
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(event["UID"]) == f"booking-{booking['id']}@maillage"


# --- the matrix: every booking route × every kind of caller -----------------------------------
# What each caller gets: (GET the booking: sees the person?, cancel: status, my bookings: status)
EXPECTED = {
    "anonymous": (False, 403, 401),
    "owner": (True, 200, 200),
    "other member": (False, 403, 200),
    "admin": (True, 200, 200),
    "operator": (True, 200, 401),
}


@pytest.fixture(scope="module")
def callers(verdon):
    with httpx.Client(base_url=verdon.url, timeout=30) as api:
        owner, owners = member(verdon, api, "Marceline")
        _, others = member(verdon, api, "Thierry")
        admin, admins = member(verdon, api, "Admin")
    client = MongoClient(verdon.mongo_uri)
    try:
        members = client[f"{verdon.profile.territory}_gateway"]["members"]
        members.update_one({"email": admin}, {"$set": {"roles": ["admin"]}})
    finally:
        client.close()
    return owner, {
        "anonymous": {},
        "owner": owners,
        "other member": others,
        "admin": admins,
        "operator": OPERATOR,
    }


@pytest.mark.parametrize("who", list(EXPECTED))
def test_booking_routes_by_caller(verdon, api, callers, who):
    owner, headers = callers
    sees_person, cancel_status, mine_status = EXPECTED[who]
    resource = one_seat(api)
    made = api.post(
        "/api/bookings",
        json=booking_for(resource["id"], owner, name="Marceline", offset_days=6),
        headers=headers["owner"],
    )
    assert made.status_code == 201, made.text
    booking_id = made.json()["id"]

    shown = api.get(f"/api/bookings/{booking_id}", headers=headers[who])
    assert shown.status_code == 200
    assert (shown.json()["email"] == owner) is sees_person
    assert (shown.json()["name"] is None) is (not sees_person)

    mine = api.get("/api/me/bookings", headers=headers[who])
    assert mine.status_code == mine_status, mine.text
    if who == "owner":
        assert booking_id in [b["id"] for b in mine.json()]
    elif mine_status == 200:
        assert booking_id not in [b["id"] for b in mine.json()]

    cancel = api.post(f"/api/bookings/{booking_id}/cancel", headers=headers[who])
    assert cancel.status_code == cancel_status, cancel.text
    status = api.get(f"/api/bookings/{booking_id}", headers=headers["owner"]).json()["status"]
    assert status == ("cancelled" if cancel_status == 200 else "confirmed")
    is_problem(
        api.post("/api/bookings/6650c0ffee0000000000000c/cancel", headers=headers[who]),
        404 if cancel_status == 200 else 404,
    )
