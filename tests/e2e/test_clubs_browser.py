"""Clubs in a real (headless) Chromium against the real platform, JavaScript off: a member
asks to join a club, the acting place's manager approves her on the president's page and
writes to the members, who get the email in their language; the pages pass axe. And the
Verdon demo's clubs of Riez, loaded twice."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tools.demo import load_demo

from .helpers import OPERATOR, PASSWORD, create_place, emails, member, wait_for
from .test_browser import (  # noqa: F401 (the browser fixture)
    browser,
    new_page,
    serious_violations,
    shot,
    signed_in_at,
)

pytestmark = pytest.mark.e2e


def test_a_member_asks_to_join_and_the_acting_place_approves_her(api, verdon, browser):  # noqa: F811
    place = create_place(api, name=f"Tiers-lieu des clubs {uuid.uuid4().hex[:4]}")
    body = {"name": "Club WordPress", "place_id": place["id"], "join_policy": "approval"}
    club = api.post("/api/clubs", json=body, headers=OPERATOR).json()
    facilitator = member(verdon, api, "Sandrine Clubs")
    grant = {"email": facilitator.email, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    veronique = member(verdon, api, "Véronique Clubs")
    path = f"/clubs/{club['id']}"

    page = new_page(browser)
    page.goto(f"{verdon.url}/clubs?lieu={place['id']}")
    page.get_by_role("link", name="Club WordPress").click()
    expect(page.locator(".club-facts")).to_contain_text("en attendant qu'un membre prenne")
    page.get_by_role("link", name="Se connecter pour rejoindre le club").click()
    page.fill("#connexion-email", veronique.email)
    page.fill("#connexion-mot-de-passe", PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url(f"{verdon.url}{path}")
    page.get_by_role("button", name="Demander à rejoindre le club").click()
    expect(page.get_by_text("attend la réponse de la présidence")).to_be_visible()
    shot(page, "club-demande")

    manager = new_page(browser)
    signed_in_at(manager, verdon.url, facilitator.email, PASSWORD, f"{path}/gestion")
    requests = manager.locator(".club-requests")
    expect(requests).to_contain_text("Véronique Clubs")
    requests.get_by_role("button", name="Accepter").click()
    expect(manager.get_by_text("la personne est membre du club")).to_be_visible()
    expect(manager.locator(".club-members")).to_contain_text("Véronique Clubs")
    manager.fill("#annonce-sujet", "Réunion de décembre")
    manager.fill("#annonce-texte", "Jeudi 3 décembre à 9 h : sauvegardes.")
    manager.get_by_role("button", name="Envoyer l'annonce").click()
    expect(manager.get_by_text("envoyée aux membres par e-mail")).to_be_visible()
    shot(manager, "club-gestion")

    page.reload()
    expect(page.get_by_text("Vous êtes membre de ce club.")).to_be_visible()

    def announced():
        found = emails(verdon.mail_dir, veronique.email)
        return [m for m in found if "Réunion de décembre" in str(m["Subject"])]

    [message] = wait_for(announced)
    assert message["Subject"] == "[Club WordPress] Réunion de décembre"
    assert "kind=clubs" in message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content()
    assert "sauvegardes" in text and f"/clubs/{club['id']}" in text
    for opened in (page, manager):
        opened.context.close()

    def as_manager(other):
        other.fill("#connexion-email", facilitator.email)
        other.fill("#connexion-mot-de-passe", PASSWORD)
        other.get_by_role("button", name="Se connecter", exact=True).click()
        other.wait_for_url(f"{verdon.url}{path}/gestion")

    found = serious_violations(browser, f"{verdon.url}{path}", "axe-club")
    found += serious_violations(
        browser, f"{verdon.url}/connexion?suite={path}/gestion", "axe-club-gestion", as_manager
    )
    assert found == []


def test_the_verdon_demo_has_the_three_clubs_of_riez(verdon):
    first = load_demo(verdon.url, verdon.profile, verdon.admin_token, verdon.mongo_uri)
    again = load_demo(verdon.url, verdon.profile, verdon.admin_token, verdon.mongo_uri)
    assert again.clubs == first.clubs and set(first.clubs) == {"hotes", "wordpress", "transition"}
    riez = first.places["riez"]
    clubs = httpx.get(f"{verdon.url}/api/clubs", params={"place": riez}, timeout=30).json()
    by_name = {c["name"]: c for c in clubs}
    assert set(by_name) == {"Club des hôtes", "Club WordPress", "Club Transition"}
    assert by_name["Club des hôtes"]["acting_place"]  # the place stands in as president
    assert by_name["Club WordPress"]["president_name"] == "Thierry Roux"
    assert by_name["Club Transition"]["president_name"] == "Véronique Martin"
    assert [c["members_count"] for c in clubs] == [2, 2, 2]  # a second load joined no one twice
