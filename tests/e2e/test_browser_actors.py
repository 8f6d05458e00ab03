"""Local actors on the real platform, in a headless Chromium without JavaScript (issue 9):
a visitor finds a gîte, writes to it; the gîte answers from the link in its email; the
visitor receives the answer with Reply-To the gîte's address. And at the API: no email nor
phone for a visitor unless the actor opted in."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from .helpers import OPERATOR, create_place, emails, wait_for
from .test_browser import browser, page, serious_violations, shot  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e

REPLY_LINK = re.compile(r"(/contact/reply/[A-Za-z0-9_\-]+)")


def actor(api, **changes) -> dict:
    body = {
        "name": f"Gîte des Lavandes {uuid.uuid4().hex[:4]}",
        "trade": "chambres d'hôtes",
        "categories": ["sleep"],
        "commune": "Riez",
        "postal_code": "04500",
        "location": {"lat": 43.82, "lon": 6.095},
        "summary": "Trois chambres au calme, petit-déjeuner local.",
        "email": f"gite.{uuid.uuid4().hex[:6]}@example.org",
        "phone": "04 92 00 00 01",
        **changes,
    }
    made = api.post("/api/actors", json=body, headers=OPERATOR)
    assert made.status_code == 201, made.text
    return {**made.json(), "email": body["email"]}


def test_a_visitor_sees_no_address_unless_the_actor_opted_in(api):
    hidden = actor(api)
    shown = actor(api, show_contact=True)
    public = api.get(f"/api/actors/{hidden['id']}").json()
    assert (public["email"], public["phone"]) == (None, None)
    assert api.get(f"/api/actors/{hidden['id']}", headers=OPERATOR).json()["email"]
    assert api.get(f"/api/actors/{shown['id']}").json()["email"] == shown["email"]
    listed = api.get("/api/actors", params={"q": hidden["name"]}).json()["items"]
    assert [a["email"] for a in listed] == [None]


def test_search_write_to_a_gite_and_read_its_answer(api, verdon, page, browser):  # noqa: F811
    place = create_place(api, name=f"Tiers-lieu du portail {uuid.uuid4().hex[:4]}")
    gite = actor(api, place_id=place["id"])
    page.goto(verdon.url + "/actors")
    page.fill("#q", gite["name"].split()[-1])  # its last word: a random suffix
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("link", name=gite["name"]).click()
    expect(page.locator("h1")).to_have_text(gite["name"])
    expect(page.locator("main")).not_to_contain_text(gite["email"])
    shot(page, "acteur")

    page.fill("#contact-name", "Véronique Martin")
    page.fill("#contact-email", "veronique.portail@example.org")
    page.fill("#contact-message", "Bonjour, avez-vous une chambre du 3 au 7 mars ?")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.locator(".notice-success")).to_contain_text("Votre message est envoyé")

    def request_email():
        return emails(verdon.mail_dir, gite["email"])

    [request] = wait_for(request_email)
    text = request.get_body(("plain",)).get_content()
    assert "avez-vous une chambre" in text and "veronique.portail" not in text
    link = REPLY_LINK.search(text).group(1)

    page.goto(verdon.url + link)
    expect(page.locator("#message")).to_contain_text("avez-vous une chambre")
    expect(page.locator("main")).not_to_contain_text("veronique.portail@example.org")
    shot(page, "reponse-contact")
    page.fill("#reply-message", "Oui, la chambre bleue est libre.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator("#adresse")).to_have_text("veronique.portail@example.org")

    [answer] = wait_for(lambda: emails(verdon.mail_dir, "veronique.portail@example.org"))
    assert "la chambre bleue est libre" in answer.get_body(("plain",)).get_content()
    assert answer["Reply-To"].addresses[0].addr_spec == gite["email"]

    page.goto(verdon.url + f"/portal?place={place['id']}")
    expect(page.locator("#sleep + ul")).to_contain_text(gite["name"])
    shot(page, "portail")
    stats = api.get("/api/contact-requests/stats", headers=OPERATOR).json()
    mine = [row for row in stats if row["target_id"] == gite["id"]]
    assert [(r["requests"], r["replied"]) for r in mine] == [(1, 1)]

    # The pages of this flow, for axe: no serious violation (the honeypot included).
    found = []
    for path, name in [
        ("/actors", "acteurs"),
        (f"/actors/{gite['id']}", "acteur-axe"),
        (f"/portal?place={place['id']}", "portail-axe"),
        (link, "reponse-contact-axe"),
    ]:
        found += serious_violations(browser, verdon.url + path, name)
    assert found == []
