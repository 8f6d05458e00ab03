"""Véronique books a desk from the web client, in a real (headless) Chromium.

Chromium comes from Debian (``tools/test.sh`` installs it when missing); Playwright drives it
through the browser's own executable, so nothing is downloaded at test time.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect, sync_playwright

from .helpers import PLACE, add_resource, emails, wait_for

CHROMIUM = shutil.which("chromium")
PARIS = ZoneInfo("Europe/Paris")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page():
    assert CHROMIUM, "chromium is missing: `apt-get install chromium` (tools/test.sh does it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="fr-FR", timezone_id=PARIS.key)
        yield context.new_page()
        browser.close()


def book_first_resource(page, day: str, start: str, end: str, name: str, email: str) -> None:
    """Open the booking form of the place's first resource, fill it in and send it."""
    page.locator("button.resource-book").first.click()
    page.fill("#resa-date", day)
    page.select_option("#resa-debut", start)
    page.select_option("#resa-fin", end)
    page.fill("#resa-nom", name)
    page.fill("#resa-email", email)
    page.get_by_role("button", name="Confirmer la réservation").click()


def test_veronique_books_a_desk_from_the_web_client(api, verdon, page):
    place = api.post("/api/places", json={**PLACE, "name": "Tiers-lieu du navigateur"}).json()
    add_resource(api, place["id"], {"name": "Open space", "kind": "desk_pool", "seats": 6})
    day = (datetime.now(UTC) + timedelta(days=4)).date().isoformat()

    page.goto(verdon.url + "/")
    expect(page.locator("#territoire-texte")).to_contain_text("Parc naturel régional du Verdon")
    page.get_by_role("link", name="Tiers-lieu du navigateur").click()
    expect(page.locator("#titre-lieu")).to_have_text("Tiers-lieu du navigateur")
    expect(page.locator(".resource-kind")).to_have_text("Postes de travail partagés")

    book_first_resource(
        page, day, "09:00", "12:30", "Véronique Martin", "veronique.navigateur@example.org"
    )
    expect(page.locator(".booking-result")).to_contain_text("Réservation confirmée", timeout=15000)

    [message] = wait_for(lambda: emails(verdon.mail_dir, "veronique.navigateur@example.org"))
    text = message.get_body(("plain",)).get_content()
    assert "de 09:00 à 12:30" in text  # Paris time, as she chose it
    booked = api.get(f"/api/places/{place['id']}/resources").json()
    assert booked[0]["name"] == "Open space"


def test_a_full_slot_is_explained_in_french(api, verdon, page):
    place = api.post("/api/places", json={**PLACE, "name": "Permanence du navigateur"}).json()
    resource = add_resource(
        api, place["id"], {"name": "Rendez-vous CAF", "kind": "appointment_slot", "seats": 1}
    )
    date = (datetime.now(UTC) + timedelta(days=6)).date()
    day = date.isoformat()
    ten = datetime(date.year, date.month, date.day, 10, tzinfo=PARIS)  # the browser's zone
    taken = {
        "resource_id": resource["id"],
        "start": ten.isoformat(),
        "end": (ten + timedelta(minutes=30)).isoformat(),
        "name": "Quelqu'un",
        "email": "q@example.org",
    }
    assert api.post("/api/bookings", json=taken).status_code == 201

    page.goto(verdon.url + f"/#lieu/{place['id']}")
    book_first_resource(
        page, day, "10:00", "10:30", "Marceline", "marceline.navigateur@example.org"
    )
    expect(page.locator(".booking-result")).to_contain_text("Plus de place disponible")
