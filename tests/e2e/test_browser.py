"""The web client in a real (headless) Chromium, against the real platform.

Chromium comes from Debian (``tools/test.sh`` installs it when missing); Playwright drives it
through the browser's own executable, so nothing is downloaded at test time. axe-core comes
from the ``axe-playwright-python`` package (its ``axe.min.js``), injected into each page.
Every page visited leaves a screenshot in ``var/test-reports/screenshots/``.
"""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import axe_playwright_python
import pytest
from playwright.sync_api import expect, sync_playwright

from .helpers import PLACE, add_resource, emails, wait_for

CHROMIUM = shutil.which("chromium")
PARIS = ZoneInfo("Europe/Paris")
AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-reports" / "screenshots"
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
def browser():
    assert CHROMIUM, "chromium is missing: `apt-get install chromium` (tools/test.sh does it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def new_page(browser, javascript: bool = False):
    context = browser.new_context(
        locale="fr-FR", timezone_id=PARIS.key, java_script_enabled=javascript
    )
    page = context.new_page()
    # The pages' Content-Security-Policy must never refuse anything they themselves load.
    page.csp_refusals = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.csp_refusals.append(message.text)
        ),
    )
    return page


@pytest.fixture
def page(browser):
    """A page with JavaScript OFF: every task must work without it."""
    page = new_page(browser)
    yield page
    page.context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def serious_violations(browser, url: str, name: str, setup=None) -> list[str]:
    """axe-core's serious and critical violations on a page (JavaScript on, to run axe)."""
    page = new_page(browser, javascript=True)
    try:
        page.goto(url)
        if setup:
            setup(page)
        page.wait_for_load_state("load")
        shot(page, name)
        assert page.csp_refusals == [], page.csp_refusals
        # axe is the test's, not the page's: evaluated, not added as a script the policy
        # (rightly) refuses.
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    finally:
        page.context.close()
    return [
        f"{name}: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def fill_booking(page, index: int, day: str, start: str, end: str, name: str, email: str):
    prefix = f"#r{index}-"
    page.fill(prefix + "date", day)
    page.fill(prefix + "start", start)
    page.fill(prefix + "end", end)
    page.fill(prefix + "name", name)
    page.fill(prefix + "email", email)
    page.locator(f"form:has({prefix}date)").get_by_role(
        "button", name="Confirmer la réservation"
    ).click()


def test_veronique_books_a_desk_without_javascript(api, verdon, page):
    place = api.post("/api/places", json={**PLACE, "name": "Tiers-lieu du navigateur"}).json()
    add_resource(api, place["id"], {"name": "Open space", "kind": "desk_pool", "seats": 6})
    day = (datetime.now(UTC) + timedelta(days=4)).date().isoformat()

    page.goto(verdon.url + "/")
    expect(page.locator("h1")).to_have_text("Parc naturel régional du Verdon")
    shot(page, "accueil")
    page.get_by_role("link", name="Tiers-lieu du navigateur").click()
    expect(page.locator("h1")).to_have_text("Tiers-lieu du navigateur")
    expect(page.locator(".resource-kind")).to_contain_text("Postes de travail partagés")
    shot(page, "lieu")

    fill_booking(page, 1, day, "09:00", "12:30", "Véronique Martin", "veronique.nav@example.org")
    expect(page.locator("h1")).to_have_text("Réservation confirmée")
    expect(page.locator(".summary")).to_contain_text("de 9 h à 12 h 30")
    expect(page.locator(".summary")).to_contain_text("Tiers-lieu du navigateur")
    assert "/reservations/" in page.url  # POST then 303: reloading books nothing more
    shot(page, "reservation")

    [message] = wait_for(lambda: emails(verdon.mail_dir, "veronique.nav@example.org"))
    text = message.get_body(("plain",)).get_content()
    assert "de 09:00 à 12:30" in text  # Paris time, as she chose it
    page.reload()
    bookings = api.get(f"/api/places/{place['id']}/resources").json()
    assert bookings[0]["name"] == "Open space"


def test_a_full_slot_is_explained_in_french_beside_the_form(api, verdon, page):
    place = api.post("/api/places", json={**PLACE, "name": "Permanence du navigateur"}).json()
    resource = add_resource(
        api, place["id"], {"name": "Rendez-vous CAF", "kind": "appointment_slot", "seats": 1}
    )
    date = (datetime.now(UTC) + timedelta(days=6)).date()
    ten = datetime(date.year, date.month, date.day, 10, tzinfo=PARIS)
    taken = {
        "resource_id": resource["id"],
        "start": ten.isoformat(),
        "end": (ten + timedelta(minutes=30)).isoformat(),
        "name": "Quelqu'un",
        "email": "q@example.org",
    }
    assert api.post("/api/bookings", json=taken).status_code == 201

    page.goto(verdon.url + f"/places/{place['id']}")
    fill_booking(
        page, 1, date.isoformat(), "10:00", "10:30", "Marceline", "marceline.nav@example.org"
    )
    form = page.locator("form:has(#r1-date)")
    expect(form.locator(".notice-error")).to_contain_text("Plus de place disponible")
    expect(form.locator(".notice-error")).to_contain_text("1 sur 1 sont déjà prises")
    expect(page.locator("#r1-name")).to_have_value("Marceline")  # nothing to type again
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot(page, "creneau-complet")


def test_a_wrong_field_is_explained_beside_it(verdon, api, page):
    place = api.post("/api/places", json={**PLACE, "name": "Lieu des erreurs"}).json()
    add_resource(api, place["id"], {"name": "Bureau 2", "kind": "office", "seats": 1})
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    page.goto(verdon.url + f"/places/{place['id']}")
    fill_booking(page, 1, day, "11:00", "10:00", "Marceline", "pas-une-adresse")
    expect(page.locator("#r1-email-erreur")).to_contain_text("adresse e-mail valide")
    expect(page.locator("#r1-email")).to_have_attribute("aria-invalid", "true")
    shot(page, "erreurs-de-champs")
    page.fill("#r1-email", "marceline.erreurs@example.org")
    page.get_by_role("button", name="Confirmer la réservation").click()
    expect(page.locator("#r1-end-erreur")).to_have_text("La fin doit venir après le début.")
    assert page.locator("#r1-end").get_attribute("aria-invalid") == "true"
    assert "/reservations/" not in page.url  # refused: still the place's page, nothing booked


def test_the_language_switch(verdon, page):
    page.goto(verdon.url + "/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Places")).to_be_visible()
    shot(page, "home-en")
    page.goto(verdon.url + "/clubs")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice stays
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith("/clubs")


def test_axe_finds_no_serious_violation_on_any_page(api, verdon, browser):
    place = api.post("/api/places", json={**PLACE, "name": "Lieu accessible"}).json()
    resource = add_resource(api, place["id"], {"name": "Salle", "kind": "meeting_room", "seats": 8})
    start = datetime.now(PARIS).replace(hour=14, minute=0, second=0, microsecond=0)
    start += timedelta(days=9)
    booking = api.post(
        "/api/bookings",
        json={
            "resource_id": resource["id"],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "name": "Marceline",
            "email": "marceline.axe@example.org",
        },
    ).json()

    def with_errors(page):
        page.fill("#r1-email", "pas-une-adresse")
        page.get_by_role("button", name="Confirmer la réservation").click()
        page.wait_for_selector("#r1-email-erreur")

    pages = {
        "axe-accueil": "/",
        "axe-lieu": f"/places/{place['id']}",
        "axe-reservation": f"/reservations/{booking['id']}",
        "axe-clubs": "/clubs",
        "axe-desinscription": "/unsubscribe?email=m%40example.org&token=t",
        "axe-introuvable": "/page/absente",
    }
    found = []
    for name, path in pages.items():
        found += serious_violations(browser, verdon.url + path, name)
    found += serious_violations(
        browser, verdon.url + f"/places/{place['id']}", "axe-lieu-erreurs", with_errors
    )
    assert found == []


# --- the account pages (issue 7) ---------------------------------------------------------------

CONFIRM_LINK = re.compile(r"http://\S+/api/auth/confirm\?token=[A-Za-z0-9_\-]+")


def header(page):
    return page.locator("header.top")


def test_sign_up_confirm_sign_out_and_sign_in_without_javascript(verdon, page):
    address = f"veronique.{uuid.uuid4().hex[:8]}@example.org"
    password = "une phrase facile à retenir"
    page.goto(verdon.url + "/")
    header(page).get_by_role("link", name="S'inscrire").click()
    expect(page.locator("h1")).to_have_text("Créer un compte")
    page.fill("#inscription-nom", "Véronique Navigatrice")
    page.fill("#inscription-email", address)
    page.fill("#inscription-mot-de-passe", "court")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator("#inscription-mot-de-passe-erreur")).to_contain_text("au moins 8")
    expect(page.locator("#inscription-nom")).to_have_value("Véronique Navigatrice")
    shot(page, "inscription-erreurs")
    page.fill("#inscription-mot-de-passe", password)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator("h1")).to_have_text("Regardez votre boîte e-mail")
    shot(page, "inscription-envoyee")

    [message] = wait_for(lambda: emails(verdon.mail_dir, to=address))
    link = CONFIRM_LINK.search(message.get_body(("plain",)).get_content()).group(0)
    page.goto(link)
    assert page.url == verdon.url + "/"
    expect(page.locator(".notice-success")).to_contain_text("Bienvenue, Véronique Navigatrice")
    expect(header(page)).to_contain_text("Véronique Navigatrice")
    expect(header(page).get_by_role("link", name="Mon profil")).to_be_visible()
    shot(page, "inscription-confirmee")

    header(page).get_by_role("button", name="Se déconnecter").click()
    expect(page.locator(".notice-success")).to_contain_text("Vous êtes déconnecté")
    expect(header(page).get_by_role("link", name="Se connecter")).to_be_visible()
    expect(header(page)).not_to_contain_text("Véronique Navigatrice")

    header(page).get_by_role("link", name="Se connecter").click()
    page.fill("#connexion-email", address)
    page.fill("#connexion-mot-de-passe", "pas le bon")
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.locator("#connexion-mot-de-passe-erreur")).to_have_text(
        "Adresse e-mail ou mot de passe incorrect."
    )
    shot(page, "connexion-erreur")
    page.fill("#connexion-mot-de-passe", password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(header(page)).to_contain_text("Véronique Navigatrice")

    header(page).get_by_role("link", name="Mon profil").click()
    page.fill("#profil-commune", "Riez")
    page.select_option("#profil-situation", "teleworker")
    page.check("#profil-chiffres")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".notice-success")).to_have_text("Votre profil est enregistré.")
    expect(page.locator("#profil-commune")).to_have_value("Riez")
    expect(page.locator("#profil-chiffres")).to_be_checked()
    shot(page, "profil")
    page.get_by_role("button", name="Se déconnecter partout").click()
    expect(header(page).get_by_role("link", name="Se connecter")).to_be_visible()


def test_the_demo_accounts_sign_in_marceline_by_an_emailed_link(verdon, page):
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)
    assert len(load_demo_accounts(verdon.profile, verdon.mongo_uri)) == 6  # idempotent
    page.goto(verdon.url + "/connexion")
    page.fill("#lien-email", "marceline@example.org")
    page.get_by_role("button", name="M'envoyer un lien par e-mail").click()
    expect(page.locator("h1")).to_have_text("Regardez votre boîte e-mail")
    [message] = wait_for(lambda: emails(verdon.mail_dir, to="marceline@example.org"))
    link = re.search(r"http://\S+/api/auth/link/\S+", message.get_body(("plain",)).get_content())
    page.goto(link.group(0))
    expect(header(page)).to_contain_text("Marceline Blanc")
    header(page).get_by_role("button", name="Se déconnecter").click()

    page.goto(verdon.url + "/connexion?suite=/profil")
    page.fill("#connexion-email", "coordination@example.org")
    page.fill("#connexion-mot-de-passe", DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    assert page.url.endswith("/profil")
    expect(page.locator("main")).to_contain_text("coordination du réseau")


def test_axe_finds_no_serious_violation_on_the_account_pages(verdon, browser):
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)

    def sign_in_errors(page):
        page.fill("#connexion-email", "pas-une-adresse")
        page.get_by_role("button", name="Se connecter", exact=True).click()
        page.wait_for_selector("#connexion-email-erreur")

    def sign_up_errors(page):
        page.get_by_role("button", name="Créer mon compte").click()
        page.wait_for_selector("#inscription-nom-erreur")

    def signed_in(page):
        page.fill("#connexion-email", "veronique@example.org")
        page.fill("#connexion-mot-de-passe", DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter", exact=True).click()
        page.wait_for_selector("#profil-nom")

    def profile_errors(page):
        signed_in(page)
        page.fill("#profil-telephone", "appelez-moi")
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_selector("#profil-telephone-erreur")

    pages = {
        "axe-inscription": ("/inscription", None),
        "axe-inscription-erreurs": ("/inscription", sign_up_errors),
        "axe-connexion": ("/connexion", None),
        "axe-connexion-erreurs": ("/connexion", sign_in_errors),
        "axe-mot-de-passe-oublie": ("/mot-de-passe-oublie", None),
        "axe-nouveau-mot-de-passe": ("/mot-de-passe?token=t", None),
        "axe-lien-invalide": ("/mot-de-passe", None),
        "axe-courriel-envoye": ("/courriel-envoye?motif=inscription", None),
        "axe-profil": ("/connexion?suite=/profil", signed_in),
        "axe-profil-erreurs": ("/connexion?suite=/profil", profile_errors),
    }
    found = []
    for name, (path, setup) in pages.items():
        found += serious_violations(browser, verdon.url + path, name, setup)
    assert found == []


def test_veronique_sees_and_cancels_her_booking_without_javascript(api, verdon, page, browser):
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)
    place = api.post("/api/places", json={**PLACE, "name": "Lieu de mes réservations"}).json()
    add_resource(api, place["id"], {"name": "Bureau calme", "kind": "office", "seats": 2})
    day = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()

    page.goto(verdon.url + "/connexion?suite=/places/" + place["id"])
    page.fill("#connexion-email", "veronique@example.org")
    page.fill("#connexion-mot-de-passe", DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    fill_booking(page, 1, day, "14:00", "16:00", "Véronique Martin", "veronique@example.org")
    expect(page.locator("h1")).to_have_text("Réservation confirmée")

    header(page).get_by_role("link", name="Mes réservations").click()
    mine = page.locator("li.resource", has_text="Bureau calme")
    expect(mine).to_contain_text("de 14 h à 16 h")
    expect(mine).to_contain_text("Confirmée")
    shot(page, "mes-reservations")

    def signed_in(other):
        other.fill("#connexion-email", "veronique@example.org")
        other.fill("#connexion-mot-de-passe", DEMO_PASSWORD)
        other.get_by_role("button", name="Se connecter", exact=True).click()
        other.wait_for_selector("li.resource")

    target = verdon.url + "/connexion?suite=/mes-reservations"
    found = serious_violations(browser, target, "axe-mes-reservations", signed_in)
    assert found == []
    mine.get_by_role("button", name="Annuler cette réservation").click()
    expect(page.locator(".notice-success")).to_contain_text("La réservation est annulée")
    expect(page.locator("li.resource", has_text="Bureau calme")).to_contain_text("Annulée")
    expect(
        page.locator("li.resource", has_text="Bureau calme").get_by_role("button")
    ).to_have_count(0)
