"""The waitlist against the real platform (issue 8): the one seat is taken, Véronique waits;
the booking is cancelled, the seat is offered to her by email, and the email's link (a page
with one button, no sign-in) gives it to her: confirmed, with the usual confirmation."""

from __future__ import annotations

import re

import httpx
import pytest

from .helpers import OPERATOR, add_resource, create_place, day, emails, member, wait_for

pytestmark = pytest.mark.e2e

ACCEPT = re.compile(r"(http\S+/waitlist/accept\?token=[\w.%-]+)")
LEAVE = re.compile(r"(http\S+/waitlist/leave\?token=[\w.%-]+)")


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def mails(verdon, to: str, words: str) -> list:
    return [m for m in emails(verdon.mail_dir, to) if words in str(m["Subject"])]


def test_waiting_then_a_cancellation_then_the_offer_accepted_by_its_link(verdon, api):
    place = create_place(api, name="Tiers-lieu de l'attente")
    room = {"name": "Petite salle", "kind": "meeting_room", "seats": 1}
    resource = add_resource(api, place["id"], room)
    veronique, hers = member(verdon, api, "Véronique")
    _, thierrys = member(verdon, api, "Thierry")
    wanted = {"resource_id": resource["id"], "start": day(6, 14), "end": day(6, 15)}

    taken = api.post("/api/bookings", json=wanted, headers=thierrys)
    assert taken.status_code == 201, taken.text
    refused = api.post("/api/bookings", json=wanted, headers=hers)
    assert refused.status_code == 409 and refused.json()["code"] == "no_seat_left"
    waiting = api.post("/api/bookings", json={**wanted, "waitlist": True}, headers=hers)
    assert waiting.status_code == 201, waiting.text
    assert (waiting.json()["status"], waiting.json()["position"]) == ("waitlisted", 1)
    booking_id = waiting.json()["id"]
    [notice] = wait_for(lambda: mails(verdon, veronique, "liste d'attente"))
    assert LEAVE.search(text_of(notice))

    line = api.get(f"/api/resources/{resource['id']}/waitlist", headers=OPERATOR)
    assert [(e["id"], e["position"], e["email"]) for e in line.json()] == [
        (booking_id, 1, veronique)
    ]

    cancelled = api.post(f"/api/bookings/{taken.json()['id']}/cancel", headers=thierrys)
    assert cancelled.status_code == 200, cancelled.text
    [offer] = wait_for(lambda: mails(verdon, veronique, "Une place s'est libérée"))
    link = ACCEPT.search(text_of(offer)).group(1)
    assert api.get(f"/api/bookings/{booking_id}", headers=hers).json()["status"] == "offered"
    # The seat is held for her: Thierry cannot take it back meanwhile.
    assert api.post("/api/bookings", json=wanted, headers=thierrys).status_code == 409

    with httpx.Client(timeout=30) as browser:  # a mail client: no session
        page = browser.get(link)
        assert page.status_code == 200 and "Oui, je prends la place" in page.text
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
        done = browser.post(link.split("?")[0], data={"token": token})
        assert done.status_code == 200 and "C'est réservé" in done.text, done.text
        again = browser.post(link.split("?")[0], data={"token": token})
        assert again.status_code == 200  # the same click twice: the same answer
    shown = api.get(f"/api/bookings/{booking_id}", headers=hers).json()
    assert shown["status"] == "confirmed"
    [confirmation] = wait_for(lambda: mails(verdon, veronique, "confirmée"))
    assert "Petite salle" in str(confirmation["Subject"])
    # Her messages for this entry: the notice, the offer, the confirmation.
    assert len(mails(verdon, veronique, "Petite salle")) == 3
