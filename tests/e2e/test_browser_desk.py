"""The facilitator's planning in a real (headless) Chromium, JavaScript off, against the real
platform: from the place page she opens the planning, approves Véronique's request, refuses
another with a reason, checks Marceline in; a normal day prints on one A4 page without its
buttons; axe finds nothing serious."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from . import test_browser as browsing
from .helpers import OPERATOR, PASSWORD, add_resource, create_place, member
from .test_browser import PARIS, serious_violations, shot, signed_in_at

pytestmark = pytest.mark.e2e
# test_browser's Chromium (once per module) and its page with JavaScript off.
browser = browsing.browser
page = browsing.page


def next_quarter(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=15 - now.minute % 15)


def book(api, resource: str, start: datetime, minutes: int, headers: dict, **person) -> dict:
    body = {
        "resource_id": resource,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        **person,
    }
    made = api.post("/api/bookings", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF as Chromium writes it: one ``/Type /Page`` object each (the tree's
    root is ``/Type /Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_facilitator_approves_refuses_and_checks_in_from_the_planning(
    api, verdon, page, browser
):
    place = create_place(api, name=f"Tiers-lieu du planning {uuid.uuid4().hex[:4]}")
    room = {"name": "Salle du conseil", "kind": "meeting_room", "seats": 4}
    salle = add_resource(api, place["id"], {**room, "approval_required": True})
    bureau = add_resource(api, place["id"], {"name": "Bureau", "kind": "office", "seats": 1})
    facilitator = member(verdon, api, "Sandrine Planning")
    grant = {"email": facilitator.email, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    _, veroniques = member(verdon, api, "Véronique Planning")
    _, thierrys = member(verdon, api, "Thierry Planning")

    # Marceline comes in the next quarter hour: check-in is open. The two requests follow.
    soon = next_quarter(datetime.now(UTC))
    marceline = book(api, bureau["id"], soon, 60, OPERATOR, name="Marceline", phone="0612345678")
    request = book(api, salle["id"], soon + timedelta(hours=1), 60, veroniques)
    other = book(api, salle["id"], soon + timedelta(hours=1), 60, thierrys)
    assert request["status"] == other["status"] == "awaiting_approval"

    signed_in_at(page, verdon.url, facilitator.email, PASSWORD, f"/places/{place['id']}")
    page.get_by_role("link", name="Planning et demandes à valider").click()
    page.get_by_role("link", name="Voir la semaine").click()  # the next hours, whatever the time
    expect(page.locator("h1")).to_have_text(f"Planning · {place['name']}")
    expect(page.locator("main")).to_contain_text("2 demandes attendent votre réponse.")
    shot(page, "planning-semaine")

    hers = page.locator(f"#reservation-{request['id']}")
    expect(hers).to_contain_text("Véronique Planning")
    hers.get_by_role("button", name="Accepter").click()
    expect(page.locator(".notice-success")).to_contain_text("La demande est acceptée")
    expect(page.locator(f"#reservation-{request['id']}")).to_contain_text("Confirmée")

    his = page.locator(f"#reservation-{other['id']}")
    his.locator("summary", has_text="Refuser…").click()
    his.get_by_label("Motif du refus (envoyé à la personne)").fill("Salle réservée pour Véronique")
    his.get_by_role("button", name="Refuser la demande").click()
    expect(page.locator(".notice-success")).to_contain_text("La demande est refusée")
    expect(page.locator(f"#reservation-{other['id']}")).to_have_count(0)  # seats freed

    arriving = page.locator(f"#reservation-{marceline['id']}")
    expect(arriving).to_contain_text("0612345678")  # her phone, to call her if late
    arriving.get_by_role("button", name="Enregistrer l'arrivée").click()
    expect(page.locator(".notice-success")).to_contain_text("L'arrivée est enregistrée.")
    expect(page.locator(f"#reservation-{marceline['id']}")).to_contain_text("Venue")
    shot(page, "planning-apres")

    seen = {
        b["id"]: b["status"]
        for b in api.get(
            f"/api/places/{place['id']}/planning", params={"days": 7}, headers=OPERATOR
        ).json()["bookings"]
    }
    assert seen == {request["id"]: "confirmed", marceline["id"]: "checked_in"}


def test_a_normal_day_prints_on_one_a4_page_without_its_buttons(api, verdon, page, browser):
    place = create_place(api, name=f"Tiers-lieu imprimé {uuid.uuid4().hex[:4]}")
    desks = add_resource(api, place["id"], {"name": "Open space", "kind": "desk_pool", "seats": 12})
    room = add_resource(api, place["id"], {"name": "Salle", "kind": "meeting_room", "seats": 1})
    facilitator = member(verdon, api, "Sandrine Imprime")
    grant = {"email": facilitator.email, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    day = (datetime.now(PARIS) + timedelta(days=2)).date()
    # A busy day: twelve people at the desks, six meetings in the room.
    for n in range(12):
        start = datetime(day.year, day.month, day.day, 8 + n % 10, 0, tzinfo=PARIS)
        book(api, desks["id"], start, 120, OPERATOR, name=f"Personne {n}", phone="0492770000")
    for n in range(6):
        start = datetime(day.year, day.month, day.day, 9 + n, 0, tzinfo=PARIS)
        book(api, room["id"], start, 60, OPERATOR, name=f"Réunion {n}", phone="0492770000")

    path = f"/places/{place['id']}/planning?date={day.isoformat()}"
    signed_in_at(page, verdon.url, facilitator.email, PASSWORD, path)
    expect(page.locator("tbody tr")).to_have_count(18)
    page.emulate_media(media="print")
    expect(page.locator("form[action='/planning/action']").first).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("tbody tr").first).to_be_visible()
    assert pdf_pages(page.pdf(format="A4")) == 1
    # A second busy day in the week's view no longer fits: the count is the PDF's own.
    for n in range(18):
        start = datetime(day.year, day.month, day.day, 8 + n % 10, 0, tzinfo=PARIS)
        start += timedelta(days=1)
        book(api, desks["id"], start, 60, OPERATOR, name=f"Personne {n}", phone="0492770000")
    page.goto(f"{verdon.url}/places/{place['id']}/planning?date={day.isoformat()}&jours=7")
    expect(page.locator("tbody tr")).to_have_count(36)
    assert pdf_pages(page.pdf(format="A4")) > 1


def test_axe_finds_no_serious_violation_on_the_planning(api, verdon, browser):
    place = create_place(api, name=f"Tiers-lieu accessible {uuid.uuid4().hex[:4]}")
    room = {"name": "Salle", "kind": "meeting_room", "seats": 2, "approval_required": True}
    salle = add_resource(api, place["id"], room)
    facilitator = member(verdon, api, "Sandrine Axe")
    grant = {"email": facilitator.email, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    _, hers = member(verdon, api, "Véronique Axe")
    start = next_quarter(datetime.now(UTC)) + timedelta(days=1)
    book(api, salle["id"], start, 60, hers)
    path = f"/places/{place['id']}/planning?date={start.astimezone(PARIS).date().isoformat()}"

    def signed_in(page):
        signed_in_at(page, verdon.url, facilitator.email, PASSWORD, path)
        page.locator("summary").first.click()  # a reason field open

    assert serious_violations(browser, verdon.url + path, "planning", signed_in) == []
