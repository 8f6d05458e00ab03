"""The web client in a real (headless) Chromium, against the real platform.

Chromium comes from Debian (``tools/test.sh`` installs it when missing); Playwright drives it
through the browser's own executable, so nothing is downloaded at test time. axe-core comes
from the ``axe-playwright-python`` package (its ``axe.min.js``), injected into each page.
Every page visited leaves a screenshot in ``var/test-reports/screenshots/``.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import axe_playwright_python
import pytest
from playwright.sync_api import expect, sync_playwright

from .helpers import (
    OPERATOR,
    PASSWORD,
    add_resource,
    booking_for,
    create_place,
    emails,
    member,
    wait_for,
)

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


def fill_booking(page, index: int, day: str, start: str, end: str, **someone: str):
    """Fill resource ``index``'s form and send it; ``someone`` (name, phone, email): the
    « for someone else » part of a manager's form, opened first."""
    prefix = f"#r{index}-"
    page.fill(prefix + "date", day)
    page.fill(prefix + "start", start)
    page.fill(prefix + "end", end)
    form = page.locator(f"form:has({prefix}date)")
    if someone:
        form.get_by_text("Réserver pour quelqu'un d'autre").click()  # <details>, no script
        for name, value in someone.items():
            page.fill(prefix + name, value)
    form.get_by_role("button", name="Confirmer la réservation").click()


def sign_in(page, email: str, password: str) -> None:
    """On the sign-in page: by password."""
    page.fill("#connexion-email", email)
    page.fill("#connexion-mot-de-passe", password)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def signed_in_at(page, base: str, email: str, password: str, path: str) -> None:
    """Sign in by the sign-in page that brings back to ``path``."""
    page.goto(f"{base}/connexion?suite={path}")
    sign_in(page, email, password)
    page.wait_for_url(f"{base}{path}")


def test_no_one_is_invited_to_sign_in_then_veronique_books_a_desk(api, verdon, page):
    place = create_place(api, name=f"Tiers-lieu du navigateur {uuid.uuid4().hex[:4]}")
    add_resource(api, place["id"], {"name": "Open space", "kind": "desk_pool", "seats": 6})
    veronique = member(verdon, api, "Véronique Martin")
    day = (datetime.now(UTC) + timedelta(days=4)).date().isoformat()

    page.goto(verdon.url + "/")
    expect(page.locator("h1")).to_have_text("Parc naturel régional du Verdon")
    shot(page, "accueil")
    page.get_by_role("link", name=place["name"]).click()
    expect(page.locator("h1")).to_have_text(place["name"])
    expect(page.locator(".resource-kind")).to_contain_text("Postes de travail partagés")
    # no one signed in: the resources, an invitation, no form
    expect(page.locator(".invite")).to_contain_text("Pour réserver, connectez-vous")
    expect(page.locator("form.booking")).to_have_count(0)
    shot(page, "lieu-anonyme")

    page.get_by_role("link", name="Se connecter pour réserver").click()
    expect(page.locator("h1")).to_have_text("Se connecter")
    sign_in(page, veronique.email, PASSWORD)
    page.wait_for_url(verdon.url + f"/places/{place['id']}")  # back to the place
    expect(page.locator("#r1-pour")).to_contain_text("Au nom de Véronique Martin")
    expect(page.locator("#r1-email")).to_have_count(0)  # no address to type: hers
    expect(page.get_by_text("Réserver pour quelqu'un d'autre")).to_have_count(0)
    shot(page, "lieu")

    fill_booking(page, 1, day, "09:00", "12:30")
    expect(page.locator("h1")).to_have_text("Réservation confirmée")
    expect(page.locator(".summary")).to_contain_text("de 9 h à 12 h 30")
    expect(page.locator(".summary")).to_contain_text(place["name"])
    expect(page.locator(".summary")).to_contain_text("Véronique Martin")  # her account's name
    expect(page.locator(".notice-success")).to_contain_text("vous a été envoyé")
    assert "/reservations/" in page.url  # POST then 303: reloading books nothing more
    shot(page, "reservation")

    def confirmations():  # her mailbox also holds the sign-up's confirmation link
        found = emails(verdon.mail_dir, veronique.email)
        return [m for m in found if place["name"] in m.get_body(("plain",)).get_content()]

    [message] = wait_for(confirmations)
    text = message.get_body(("plain",)).get_content()
    assert "de 09:00 à 12:30" in text  # Paris time, as she chose it
    page.reload()
    mine = api.get("/api/me/bookings", headers=veronique.headers).json()
    assert [(b["name"], b["email"]) for b in mine] == [("Véronique Martin", veronique.email)]


def test_a_full_slot_is_explained_in_french_beside_the_form(api, verdon, page):
    place = create_place(api, name=f"Permanence du navigateur {uuid.uuid4().hex[:4]}")
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
    assert api.post("/api/bookings", json=taken, headers=OPERATOR).status_code == 201
    someone = member(verdon, api, "Marceline Navigatrice")

    signed_in_at(page, verdon.url, someone.email, PASSWORD, f"/places/{place['id']}")
    fill_booking(page, 1, date.isoformat(), "10:00", "10:30")
    form = page.locator("form:has(#r1-date)")
    expect(form.locator(".notice-error")).to_contain_text("Plus de place disponible")
    expect(form.locator(".notice-error")).to_contain_text("1 sur 1 sont déjà prises")
    expect(page.locator("#r1-end")).to_have_value("10:30")  # nothing to type again
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot(page, "creneau-complet")


def test_a_wrong_field_is_explained_beside_it(verdon, api, page):
    place = create_place(api, name=f"Lieu des erreurs {uuid.uuid4().hex[:4]}")
    add_resource(api, place["id"], {"name": "Bureau 2", "kind": "office", "seats": 1})
    facilitator = member(verdon, api, "Sandrine Erreurs")
    grant = {"email": facilitator.email, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    signed_in_at(page, verdon.url, facilitator.email, PASSWORD, f"/places/{place['id']}")
    fill_booking(page, 1, day, "11:00", "10:00", name="Marceline", email="pas-une-adresse")
    expect(page.locator("#r1-email-erreur")).to_contain_text("adresse e-mail valide")
    expect(page.locator("#r1-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#r1-name")).to_have_value("Marceline")  # the part stays open, filled
    shot(page, "erreurs-de-champs")
    page.fill("#r1-email", "marceline.erreurs@example.org")
    page.get_by_role("button", name="Confirmer la réservation").click()
    expect(page.locator("#r1-end-erreur")).to_have_text("La fin doit venir après le début.")
    assert page.locator("#r1-end").get_attribute("aria-invalid") == "true"
    assert "/reservations/" not in page.url  # refused: still the place's page, nothing booked
    page.fill("#r1-email", "")
    page.fill("#r1-end", "12:00")
    page.get_by_role("button", name="Confirmer la réservation").click()  # a name alone
    expect(page.locator("#r1-phone-erreur")).to_have_text(
        "Indiquez son téléphone ou son adresse e-mail."
    )


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
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)
    place = create_place(api, name=f"Lieu accessible {uuid.uuid4().hex[:4]}")
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
        headers=OPERATOR,
    ).json()
    here = f"/places/{place['id']}"

    def as_admin(page):  # the demo's territory admin: every part of every page
        sign_in(page, "admin@example.org", DEMO_PASSWORD)
        page.wait_for_load_state("load")

    def with_errors(page):
        as_admin(page)
        page.locator("form:has(#r1-date)").get_by_text("Réserver pour quelqu'un d'autre").click()
        page.fill("#r1-name", "Marceline")
        page.fill("#r1-email", "pas-une-adresse")
        page.get_by_role("button", name="Confirmer la réservation").click()
        page.wait_for_selector("#r1-email-erreur")

    def roles_with_errors(page):
        as_admin(page)
        page.fill("#role-email", "personne@example.org")
        page.get_by_role("button", name="Donner ce rôle").click()
        page.wait_for_selector("#role-lieu-erreur")

    pages = {
        "axe-accueil": ("/", None),
        "axe-lieu-anonyme": (here, None),
        "axe-reservation": (f"/reservations/{booking['id']}", None),
        "axe-clubs": ("/clubs", None),
        "axe-desinscription": ("/unsubscribe?email=m%40example.org&token=t", None),
        "axe-introuvable": ("/page/absente", None),
        "axe-lieu-gestionnaire": (f"/connexion?suite={here}", as_admin),
        "axe-lieu-erreurs": (f"/connexion?suite={here}", with_errors),
        "axe-roles": ("/connexion?suite=/administration/roles", as_admin),
        "axe-roles-erreurs": ("/connexion?suite=/administration/roles", roles_with_errors),
        "axe-profil-roles": ("/connexion?suite=/profil", as_admin),
    }
    found = []
    for name, (path, setup) in pages.items():
        found += serious_violations(browser, verdon.url + path, name, setup)
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
    expect(page.locator("main")).to_contain_text("Coordination du réseau")
    expect(header(page).get_by_role("link", name="Rôles")).to_be_visible()  # staff


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
    place = create_place(api, name=f"Lieu de mes réservations {uuid.uuid4().hex[:4]}")
    add_resource(api, place["id"], {"name": "Bureau calme", "kind": "office", "seats": 2})
    day = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()

    page.goto(verdon.url + "/connexion?suite=/places/" + place["id"])
    page.fill("#connexion-email", "veronique@example.org")
    page.fill("#connexion-mot-de-passe", DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    fill_booking(page, 1, day, "14:00", "16:00")
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


# --- roles (issue 7): the roles page, a facilitator booking for someone -------------------------


def test_an_admin_names_the_facilitator_who_books_for_marceline_by_phone(api, verdon, browser):
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)
    place = create_place(api, name=f"Tiers-lieu de l'animatrice {uuid.uuid4().hex[:4]}")
    add_resource(api, place["id"], {"name": "Permanence numérique", "kind": "office", "seats": 1})
    day = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()

    admin = new_page(browser)
    try:
        signed_in_at(admin, verdon.url, "admin@example.org", DEMO_PASSWORD, "/")
        header(admin).get_by_role("link", name="Rôles").click()
        expect(admin.locator("h1")).to_have_text("Rôles")
        admin.fill("#role-email", "animation@example.org")
        admin.select_option("#role-role", label="Responsable de lieu")
        admin.select_option("#role-lieu", label=f"{place['name']} — {place['commune']}")
        admin.get_by_role("button", name="Donner ce rôle").click()
        expect(admin.locator(".notice-success")).to_contain_text("Le rôle est donné")
        row = admin.locator("tr", has_text="animation@example.org")
        expect(row).to_contain_text(f"Responsable de : {place['name']}")  # its name, no id
        shot(admin, "roles")
    finally:
        admin.context.close()
    audit = api.get("/api/admin/audit", headers=OPERATOR).json()
    granted = next(line for line in audit if line["action"] == "role_granted")
    assert granted["details"]["scope"] == f"place:{place['id']}"
    assert granted["actor"] not in ("operator", None)  # the admin's member id

    facilitator = new_page(browser)
    try:
        path = f"/places/{place['id']}"
        signed_in_at(facilitator, verdon.url, "animation@example.org", DEMO_PASSWORD, path)
        fill_booking(facilitator, 1, day, "10:00", "11:00", name="Marceline Blanc",
                     phone="06 12 34 56 78")  # fmt: skip
        expect(facilitator.locator("h1")).to_have_text("Réservation confirmée")
        expect(facilitator.locator(".notice-success")).to_contain_text(
            "Aucun e-mail n'est envoyé : prévenez Marceline Blanc par téléphone."
        )
        expect(facilitator.locator(".summary")).to_contain_text("06 12 34 56 78")
        shot(facilitator, "reservation-pour-marceline")
        booking_id = facilitator.url.rsplit("/", 1)[-1]
        header(facilitator).get_by_role("link", name="Mon profil").click()
        expect(facilitator.locator("main")).to_contain_text(f"Responsable de : {place['name']}")
    finally:
        facilitator.context.close()
    booking = api.get(f"/api/bookings/{booking_id}", headers=OPERATOR).json()
    assert (booking["name"], booking["phone"], booking["email"]) == (
        "Marceline Blanc",
        "06 12 34 56 78",
        None,
    )
    # anyone else sees the booking without Marceline
    assert api.get(f"/api/bookings/{booking_id}").json()["phone"] is None


def test_the_roles_page_in_english_removes_a_role(api, verdon, browser):
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)
    place = create_place(api, name=f"Tiers-lieu anglais {uuid.uuid4().hex[:4]}")
    thierry = {"email": "thierry@example.org", "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=thierry, headers=OPERATOR).status_code == 200

    page = new_page(browser)
    try:
        signed_in_at(page, verdon.url, "admin@example.org", DEMO_PASSWORD, "/administration/roles")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("h1")).to_have_text("Roles")
        expect(page.get_by_role("heading", name="Grant a role")).to_be_visible()
        row = page.locator("tr", has_text="thierry@example.org")
        expect(row).to_contain_text(f"Manager of: {place['name']}")
        shot(page, "roles-en")
        page.fill("#role-email", "nobody@example.org")
        page.select_option("#role-role", label="Network coordination")
        page.get_by_role("button", name="Grant this role").click()
        expect(page.locator("#role-email-erreur")).to_contain_text(
            "No confirmed account has this address"
        )
        row.locator("li", has_text=place["name"]).get_by_role("button", name="Remove").click()
        expect(page.locator(".notice-success")).to_have_text("The role is removed.")
        expect(page.locator("tr", has_text="thierry@example.org")).to_have_count(0)
    finally:
        page.context.close()
    holders = api.get("/api/admin/roles", headers=OPERATOR).json()
    assert "thierry@example.org" not in [h["email"] for h in holders]
    revoked = next(
        line
        for line in api.get("/api/admin/audit", headers=OPERATOR).json()
        if line["action"] == "role_revoked"
    )
    assert revoked["details"]["scope"] == f"place:{place['id']}"


def test_thierry_downloads_his_data_deletes_his_account_and_cannot_sign_in_again(
    api, verdon, page, browser
):
    thierry = member(verdon, api, "Thierry")
    signed_in_at(page, verdon.url, thierry.email, PASSWORD, "/profil")
    expect(page.locator("#titre-donnees")).to_have_text("Mes données")
    with page.expect_download() as download:  # the session cookie alone, no script
        page.get_by_role("link", name="Télécharger mes données").click()
    assert download.value.suggested_filename == "maillage-mes-donnees.json"
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["gateway"]["profile"]["email"] == thierry.email
    assert exported["unavailable"] == []

    page.get_by_role("link", name="Supprimer mon compte").click()
    expect(page.locator("h1")).to_have_text("Supprimer mon compte")
    expect(page.locator("main")).to_contain_text("Cela ne peut pas être annulé.")
    shot(page, "supprimer-mon-compte")
    page.get_by_role("button", name="Supprimer mon compte").click()  # the box not ticked
    expect(page.locator("#suppression-confirmer-erreur")).to_be_visible()
    page.check("#suppression-confirmer")
    page.fill("#suppression-mot-de-passe", PASSWORD)
    page.get_by_role("button", name="Supprimer mon compte").click()
    expect(page.locator("h1")).to_have_text("Votre compte est supprimé")
    shot(page, "compte-supprime")
    expect(header(page).get_by_role("link", name="Se connecter")).to_be_visible()

    page.goto(verdon.url + "/connexion")
    sign_in(page, thierry.email, PASSWORD)
    expect(page.locator("#connexion-mot-de-passe-erreur")).to_be_visible()
    assert api.get("/api/me", headers=thierry.headers).status_code == 401

    def erase_errors(page):
        signed_in_again(page)
        page.goto(verdon.url + "/supprimer-mon-compte")
        page.get_by_role("button", name="Supprimer mon compte").click()
        page.wait_for_selector("#suppression-confirmer-erreur")

    other = member(verdon, api, "Ondine")

    def signed_in_again(page):
        sign_in(page, other.email, PASSWORD)
        page.wait_for_selector("#profil-nom")

    found = serious_violations(
        browser, verdon.url + "/connexion?suite=/profil", "axe-suppression", erase_errors
    )
    found += serious_violations(browser, verdon.url + "/compte-supprime", "axe-au-revoir")
    assert found == []


def test_the_emailed_sign_in_link_brings_back_to_the_page_asked_for(api, verdon, page):
    someone = member(verdon, api, "Marceline")
    page.goto(verdon.url + "/connexion?suite=/mes-reservations")
    page.fill("#lien-email", someone.email)
    page.get_by_role("button", name="M'envoyer un lien par e-mail").click()
    expect(page.locator("h1")).to_have_text("Regardez votre boîte e-mail")
    found = wait_for(
        lambda: [
            m for m in emails(verdon.mail_dir, to=someone.email) if "/api/auth/link/" in str(m)
        ]
    )
    link = re.search(r"http://\S+/api/auth/link/\S+", found[0].get_body(("plain",)).get_content())
    page.goto(link.group(0))
    assert page.url == verdon.url + "/mes-reservations"
    expect(header(page)).to_contain_text("Marceline")


def test_an_address_is_changed_from_the_profile_and_the_link_signs_in_there(
    api, verdon, page, browser
):
    ondine = member(verdon, api, "Ondine")
    new = f"ondine.ailleurs.{uuid.uuid4().hex[:8]}@example.org"
    signed_in_at(page, verdon.url, ondine.email, PASSWORD, "/profil")
    page.fill("#adresse-email", new)
    page.fill("#adresse-mot-de-passe", "pas le bon")
    page.get_by_role("button", name="Recevoir le lien à la nouvelle adresse").click()
    expect(page.locator("#adresse-mot-de-passe-erreur")).to_have_text(
        "Ce n'est pas votre mot de passe actuel."
    )
    page.fill("#adresse-mot-de-passe", PASSWORD)
    page.get_by_role("button", name="Recevoir le lien à la nouvelle adresse").click()
    expect(page.locator("h1")).to_have_text("Regardez votre boîte e-mail")
    [message] = wait_for(lambda: emails(verdon.mail_dir, to=new))
    link = re.search(
        r"http://\S+/api/auth/email\?token=\S+", message.get_body(("plain",)).get_content()
    )
    page.goto(link.group(0))
    assert page.url == verdon.url + "/profil"
    expect(page.locator("main")).to_contain_text(new)
    expect(page.locator("main")).to_contain_text("Votre nouvelle adresse est enregistrée")
    shot(page, "profil-nouvelle-adresse")

    def address_errors(page):
        sign_in(page, new, PASSWORD)
        page.wait_for_selector("#adresse-email")
        page.fill("#adresse-email", "pas-une-adresse")
        page.get_by_role("button", name="Recevoir le lien à la nouvelle adresse").click()
        page.wait_for_selector("#adresse-email-erreur")

    found = serious_violations(
        browser, verdon.url + "/connexion?suite=/profil", "axe-profil-adresse", address_errors
    )
    assert found == []


# --- calendar feeds (issue 8): « Mon agenda » on the profile ------------------------------------


def test_veronique_makes_her_calendar_link_reads_it_and_deletes_it(api, verdon, page, browser):
    import httpx
    from icalendar import Calendar

    veronique = member(verdon, api, "Véronique")
    place = create_place(api, name=f"Lieu de l'agenda {uuid.uuid4().hex[:4]}")
    resource = add_resource(
        api, place["id"], {"name": "Bureau du calendrier", "kind": "office", "seats": 1}
    )
    body = booking_for(resource["id"], name=None, offset_days=6)  # for herself
    assert api.post("/api/bookings", json=body, headers=veronique.headers).status_code == 201

    signed_in_at(page, verdon.url, veronique.email, PASSWORD, "/profil")
    expect(page.locator("#titre-agenda")).to_have_text("Mon agenda")
    page.get_by_role("button", name="Créer le lien de mon agenda").click()
    expect(page.locator("main")).to_contain_text("Copiez-le maintenant")
    link = page.locator("#agenda-lien").input_value()
    assert "/api/me/calendar.ics?token=mcal_" in link
    expect(page.get_by_role("link", name="Ouvrir dans mon application d'agenda")).to_have_attribute(
        "href", "webcal://" + link.split("://", 1)[1]
    )
    shot(page, "mon-agenda-lien")

    # A calendar app: the link alone (its path on the test's port), no cookie.
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    feed = httpx.get(verdon.url + path, timeout=30)
    assert feed.status_code == 200, feed.text
    [event] = [c for c in Calendar.from_ical(feed.content).walk() if c.name == "VEVENT"]
    assert str(event["summary"]).startswith("Bureau du calendrier – Lieu de l'agenda")

    page.goto(verdon.url + "/profil")  # shown once: not again
    expect(page.locator("#agenda-lien")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Votre lien d'agenda existe depuis le")
    page.get_by_role("button", name="Supprimer le lien").click()
    expect(page.locator(".notice-success")).to_contain_text("Le lien de votre agenda est supprimé")
    assert httpx.get(verdon.url + path, timeout=30).status_code == 404

    def link_shown(page):
        sign_in(page, veronique.email, PASSWORD)
        page.wait_for_selector("#profil-nom")
        page.get_by_role("button", name="Créer le lien de mon agenda").click()
        page.wait_for_selector("#agenda-lien")

    found = serious_violations(
        browser, verdon.url + "/connexion?suite=/profil", "axe-mon-agenda", link_shown
    )
    assert found == []


# --- permanences (issue 8) ------------------------------------------------------------------


def test_the_facilitator_books_marceline_s_appointment_by_phone(api, verdon, browser):
    """Marceline calls Riez: the facilitator opens the digital-help permanence's page, picks
    the first free half hour of « Démarches en ligne », by phone, for Marceline (name and
    phone, no address), and reads the confirmation with the text after booking."""
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)
    place = create_place(api, name=f"Riez {uuid.uuid4().hex[:4]}")
    room = add_resource(api, place["id"], {"name": "Salle", "kind": "meeting_room", "seats": 1})
    made = api.post(
        f"/api/places/{place['id']}/permanences",
        json={
            "agent_name": "Paul Martin",
            "organisation": "Aide numérique",
            "rule": "Tu 09:00-12:00",
            "room_resource_id": room["id"],
            "motifs": [
                {
                    "code": "demarches",
                    "label": "Démarches en ligne",
                    "duration_minutes": 30,
                    "modes": ["in_person", "phone"],
                    "text_before": "CAF, impôts, ANTS : on vous aide.",
                    "text_after": "Préparez vos identifiants.",
                }
            ],
        },
        headers=OPERATOR,
    )
    assert made.status_code == 201, made.text
    permanence = made.json()
    granted = api.put(
        "/api/admin/roles",
        json={"email": "animation@example.org", "role": "manager", "scope": f"place:{place['id']}"},
        headers=OPERATOR,
    )
    assert granted.status_code == 200, granted.text

    page = new_page(browser)
    try:
        signed_in_at(
            page, verdon.url, "animation@example.org", DEMO_PASSWORD, f"/places/{place['id']}"
        )
        page.get_by_role("link", name=re.compile("Aide numérique — Paul Martin")).click()
        expect(page.locator("h1")).to_have_text("Aide numérique — Paul Martin")
        expect(page.locator(".rule")).to_contain_text("mardi, 9 h – 12 h")
        expect(page.locator(".text-before")).to_have_text("CAF, impôts, ANTS : on vous aide.")
        expect(page.locator(".notice-error")).to_have_count(0)
        form = page.locator("form:has(#m1-phone)")
        first = form.locator("input[name=start]").first.get_attribute("value")
        form.locator(".slots label").first.click()
        form.get_by_text("Par téléphone : l'agent vous appelle").click()
        page.fill("#m1-phone", "06 12 34 56 78")
        form.get_by_text("Prendre rendez-vous pour quelqu'un d'autre").click()
        page.fill("#m1-name", "Marceline Blanc")
        shot(page, "permanence-pour-marceline")
        form.get_by_role("button", name="Prendre ce rendez-vous").click()
        expect(page.locator("h1")).to_have_text("Rendez-vous confirmé")
        expect(page.locator(".notice-success")).to_contain_text(
            "Aucun e-mail n'est envoyé : prévenez Marceline Blanc par téléphone."
        )
        expect(page.locator(".text-after")).to_have_text("Préparez vos identifiants.")
        expect(page.locator(".summary")).to_contain_text(
            "Par téléphone : l'agent appellera au 06 12 34 56 78."
        )
        shot(page, "rendez-vous-marceline")
        booking_id = page.url.rsplit("/", 1)[-1]
        # The slot is taken: the page no longer offers it.
        page.goto(f"{verdon.url}/permanences/{permanence['id']}")
        assert first not in page.locator("form:has(#m1-phone)").inner_html()
    finally:
        page.context.close()
    booking = api.get(f"/api/bookings/{booking_id}", headers=OPERATOR).json()
    assert (booking["name"], booking["phone"], booking["email"]) == (
        "Marceline Blanc",
        "06 12 34 56 78",
        None,
    )
    assert datetime.fromisoformat(booking["start"]) == datetime.fromisoformat(first)

    def as_facilitator(page):
        sign_in(page, "animation@example.org", DEMO_PASSWORD)
        page.wait_for_load_state("load")

    here = f"/permanences/{permanence['id']}"
    found = serious_violations(browser, verdon.url + here, "axe-permanence-anonyme")
    found += serious_violations(
        browser, f"{verdon.url}/connexion?suite={here}", "axe-permanence-animation", as_facilitator
    )
    found += serious_violations(
        browser, f"{verdon.url}/rendez-vous/{booking_id}", "axe-rendez-vous"
    )
    assert found == []
