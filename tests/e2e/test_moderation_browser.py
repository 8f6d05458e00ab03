"""Contributions and moderation in Chromium, JavaScript off, on the real platform (issue 9):
Véronique proposes a place through « Proposer »; the coordinator finds it in « Modération »
and accepts it; the place is in the directory, with its history naming the proposal, and
Véronique gets the answer by email. The export then carries it, valid against the national
schema."""

from __future__ import annotations

import csv
import importlib
import io
import uuid

import pytest
from playwright.sync_api import expect

from tests.support import read_emails

from .helpers import OPERATOR, PASSWORD, member, wait_for
from .test_browser import (  # noqa: F401 (browser: a fixture)
    browser,
    new_page,
    shot,
    signed_in_at,
)

pytestmark = pytest.mark.e2e


def _has_place_appliers() -> bool:
    try:
        return hasattr(importlib.import_module("services.directory.places"), "apply_create")
    except ImportError:
        return False


@pytest.mark.skipif(
    not _has_place_appliers(),
    reason="approval applies through dir-places' places.apply_create (issue 9's places part)",
)
def test_a_member_proposes_a_coordinator_approves_and_the_place_appears(verdon, api, browser):  # noqa: F811
    tag = uuid.uuid4().hex[:6]
    name = f"La Grange {tag}"
    veronique = member(verdon, api, "Véronique Proposante")
    colette = member(verdon, api, "Colette Coordinatrice")
    granted = api.put(
        "/api/admin/roles",
        json={"email": colette.email, "role": "coordinator", "scope": "territory"},
        headers=OPERATOR,
    )
    assert granted.status_code == 200, granted.text

    page = new_page(browser)  # JavaScript off, in French
    signed_in_at(page, verdon.url, veronique.email, PASSWORD, "/proposer")
    page.fill("#proposition-nom", name)
    page.fill("#proposition-commune", "Riez")
    page.fill("#proposition-cp", "04500")
    page.fill("#proposition-lat", "43,8190")
    page.fill("#proposition-lon", "6.0930")
    page.get_by_label("Fablab").check()
    page.fill("#proposition-horaires", "Tu-Sa 09:00-18:00")
    page.get_by_role("button", name="Envoyer la proposition").click()
    expect(page.locator("h1")).to_have_text("Mes propositions")
    expect(page.get_by_text("Merci ! Votre proposition est envoyée")).to_be_visible()
    expect(page.get_by_text(name)).to_be_visible()
    shot(page, "moderation-proposed")

    coordinator = new_page(browser)
    signed_in_at(coordinator, verdon.url, colette.email, PASSWORD, "/moderation")
    section = coordinator.locator("section.resource", has_text=name)
    expect(section).to_contain_text("Fablab")
    shot(coordinator, "moderation-queue")
    section.get_by_role("button", name="Accepter").click()
    expect(coordinator.get_by_text("La proposition est acceptée et appliquée")).to_be_visible()

    listed = api.get("/api/places").json()
    [place] = [p for p in listed if p["name"] == name]
    coordinator.goto(f"{verdon.url}/places/{place['id']}/historique")
    expect(coordinator.get_by_text("Sur proposition d'un membre")).to_be_visible()
    page.goto(f"{verdon.url}/mes-propositions")
    expect(page.get_by_text("Acceptée")).to_be_visible()

    emails = wait_for(
        lambda: [
            m for m in read_emails(verdon.mail_dir, veronique.email) if name in str(m["Subject"])
        ],
        timeout=20,
    )
    assert "acceptée" in str(emails[0]["Subject"])
    exported = api.get("/api/places.csv", params={"status": "open", "commune": "Riez"})
    rows = [r for r in csv.DictReader(io.StringIO(exported.text)) if r["nom"] == name]
    assert len(rows) == 1 and rows[0]["typologie"] == "FABLAB", rows
