"""Workshops and events in Chromium, JavaScript off (issue 10): Thierry finds a full workshop
in the agenda, joins its waiting line, is promoted when the participant cancels (and told by
email, with the invitation), then no longer comes and frees his seat; the page in English."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .helpers import OPERATOR, PASSWORD, create_place, emails, member, wait_for

# browser, page: Chromium and a page with JavaScript off, test_browser.py's fixtures.
from .test_browser import browser, page, shot, signed_in_at  # noqa: F401

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")


def test_thierry_waits_is_promoted_then_cancels_his_rsvp(api, verdon, page):  # noqa: F811
    place = create_place(api, name=f"Tiers-lieu des ateliers {uuid.uuid4().hex[:4]}")
    start = datetime.now(PARIS).replace(hour=14, minute=0, second=0, microsecond=0)
    start += timedelta(days=10)
    body = {
        "title": "Atelier compost",
        "description": "Un atelier pratique au jardin partagé.",
        "place_id": place["id"],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "capacity": 1,
    }
    made = api.post("/api/events", json=body, headers=OPERATOR)
    assert made.status_code == 201, made.text
    workshop = made.json()
    anne = member(verdon, api, "Anne Martin")
    thierry = member(verdon, api, "Thierry Roux")
    seat = api.post(f"/api/events/{workshop['id']}/rsvps", headers=anne.headers)
    assert seat.status_code == 201 and seat.json()["status"] == "confirmed", seat.text

    here = f"/places/{place['id']}/agenda"
    signed_in_at(page, verdon.url, thierry.email, PASSWORD, here)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Agenda")
    page.get_by_role("link", name="Atelier compost").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier compost")
    expect(page.locator("#places")).to_contain_text("1 inscrits sur 1 places")
    page.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    expect(page.locator(".notice-success").first).to_contain_text("liste d'attente")
    expect(page.locator("#ma-reponse")).to_contain_text("position 1")
    shot(page, "atelier-liste-attente")

    # Anne no longer comes: her seat goes to Thierry, who hears of it by email.
    left = api.delete(f"/api/events/{workshop['id']}/rsvps/mine", headers=anne.headers)
    assert left.status_code == 200 and left.json()["status"] == "cancelled", left.text
    promoted = wait_for(
        lambda: [m for m in emails(verdon.mail_dir, to=thierry.email) if "libérée" in m["Subject"]],
        timeout=20,
    )
    assert any(p.get_content_type() == "text/calendar" for p in promoted[0].iter_attachments())
    page.reload()
    expect(page.locator("#ma-reponse")).to_contain_text("Vous êtes inscrit")

    page.get_by_role("button", name="Je ne viens plus").click()
    expect(page.locator(".notice-success").first).to_contain_text("annulée")
    expect(page.get_by_role("button", name="Je viens")).to_be_visible()
    mine = api.get(f"/api/events/{workshop['id']}/rsvps/mine", headers=thierry.headers).json()
    assert mine["status"] == "cancelled"
    shown = api.get(f"/api/events/{workshop['id']}").json()
    assert (shown["taken"], shown["waiting"]) == (0, 0)

    # In English, the same page.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="I am coming")).to_be_visible()
    expect(page.locator("#places")).to_contain_text("0 signed up of 1 places")
    shot(page, "atelier-en")
