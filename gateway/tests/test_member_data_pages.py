"""The profile's « Mes données » (the export, the account's erasure), its address change,
and the sign-in link's way back, in the web client (fakes): forms with CSRF, the API's own
functions behind them, French and English."""

from __future__ import annotations

import re

import pytest

from contracts import SERVICE_NAMES
from gateway.deps import SESSION_COOKIE

from .fakes import accounts_client, site_fake
from .test_account_pages import TOKEN_FIELD, field_block, fresh, main_text, post
from .test_auth import EMAIL, PASSWORD, confirmed, token_of

NEW = "veronique.nouvelle@example.org"


@pytest.fixture
def setup():
    fake = site_fake(**{f"{name}.export_member": {"service": name} for name in SERVICE_NAMES})
    return accounts_client(fake)


def signed_in(setup) -> tuple:
    """(browser, its CSRF token, events, db): Véronique, with a password."""
    web, events, db = setup
    confirmed(web, events)
    return web, TOKEN_FIELD.search(web.get("/profil").text).group(1), events, db


# --- Mes données -------------------------------------------------------------------------------


def in_english(db) -> None:
    """A signed-in member's saved language comes first on every page."""
    db.members.update_one({"email": EMAIL}, {"$set": {"language": "en"}})


def test_the_profile_offers_the_export_and_the_erasure_in_both_languages(setup):
    web, _, _, db = signed_in(setup)
    fr = web.get("/profil").text
    assert "Mes données" in fr and "Télécharger mes données" in fr
    assert '<a href="/api/me/export" download="maillage-mes-donnees.json">' in fr
    assert '<a href="/supprimer-mon-compte">Supprimer mon compte</a>' in fr
    in_english(db)
    en = web.get("/profil").text
    assert "My data" in en and "Download my data" in en and "Delete my account" in en


def test_the_export_downloads_with_the_session_cookie_alone(setup):
    web, _, _, _ = signed_in(setup)
    answer = web.get("/api/me/export")  # what the link fetches: no header but the cookie
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == "attachment; filename=maillage-mes-donnees.json"
    assert answer.json()["gateway"]["profile"]["email"] == EMAIL
    assert fresh(web).get("/api/me/export").status_code == 401


def test_the_erasure_page_says_what_happens_and_needs_a_member(setup):
    web, _, _, db = signed_in(setup)
    page = main_text(web.get("/supprimer-mon-compte").text)
    for words in (
        "réservations restent dans les chiffres des lieux, sans votre nom",
        "vous ne recevez plus aucun e-mail",
        "Cela ne peut pas être annulé.",
    ):
        assert words in page
    in_english(db)
    en = main_text(web.get("/supprimer-mon-compte").text)
    assert "This cannot be undone." in en
    anonymous = fresh(web).get("/supprimer-mon-compte", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/connexion?suite=/supprimer-mon-compte"


def test_erasing_needs_the_box_and_the_password_then_signs_out_for_good(setup):
    web, csrf, events, db = signed_in(setup)
    unticked = post(web, "/supprimer-mon-compte", csrf_token=csrf, password=PASSWORD)
    assert unticked.status_code == 422
    assert "Cochez la case" in main_text(unticked.text)
    wrong = post(web, "/supprimer-mon-compte", csrf_token=csrf, confirm="oui", password="non")
    assert wrong.status_code == 422
    assert "Ce n'est pas votre mot de passe actuel." in field_block(
        wrong.text, "suppression-mot-de-passe"
    )
    missing = post(web, "/supprimer-mon-compte", csrf_token=csrf, confirm="oui")
    assert missing.status_code == 422
    assert db.members.find_one({"email": EMAIL}) is not None and events.of("member_erased") == []
    done = post(web, "/supprimer-mon-compte", csrf_token=csrf, confirm="oui", password=PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/compte-supprime?langue=fr"
    assert f'{SESSION_COOKIE}=""' in done.headers["set-cookie"]
    assert db.members.find_one({"email": EMAIL}) is None
    assert [e["email"] for e in events.of("member_erased")] == [EMAIL]
    goodbye = web.get("/compte-supprime?langue=fr")
    assert "Votre compte est supprimé" in goodbye.text and "Mon profil" not in goodbye.text
    again = post(fresh(web), "/connexion", email=EMAIL, password=PASSWORD)
    assert again.status_code == 401


def test_a_member_without_a_password_confirms_with_the_box_alone(setup):
    web, csrf, events, db = signed_in(setup)
    db.members.update_one({"email": EMAIL}, {"$set": {"password_hash": None}})
    page = web.get("/supprimer-mon-compte").text
    assert 'id="suppression-mot-de-passe"' not in page
    done = post(web, "/supprimer-mon-compte", csrf_token=csrf, confirm="oui")
    assert done.status_code == 303 and db.members.find_one({"email": EMAIL}) is None


def test_the_goodbye_page_is_in_the_language_she_had(setup):
    web, csrf, _, db = signed_in(setup)
    db.members.update_one({"email": EMAIL}, {"$set": {"language": "en"}})
    done = post(web, "/supprimer-mon-compte", csrf_token=csrf, confirm="oui", password=PASSWORD)
    assert done.headers["location"] == "/compte-supprime?langue=en"
    assert "Your account is deleted" in fresh(web).get(done.headers["location"]).text


@pytest.mark.parametrize("path", ["/supprimer-mon-compte", "/profil/adresse"])
def test_without_its_csrf_token_nothing_is_done(setup, path):
    web, _, events, db = signed_in(setup)
    fields = {"confirm": "oui", "password": PASSWORD, "email": NEW}
    for token in (None, "forged"):
        answer = post(web, path, **fields, **({"csrf_token": token} if token else {}))
        assert answer.status_code == 403 and "Formulaire expiré" in answer.text
    assert db.members.find_one({"email": EMAIL}) is not None
    assert events.of("member_erased") == [] and events.of("email_change_requested") == []


# --- the address -------------------------------------------------------------------------------


def test_the_address_form_sends_the_link_then_the_link_changes_it(setup):
    web, csrf, events, db = signed_in(setup)
    assert 'id="adresse-mot-de-passe"' in web.get("/profil").text
    asked = post(web, "/profil/adresse", csrf_token=csrf, email=NEW, password=PASSWORD)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/courriel-envoye?motif=adresse"
    mailbox = main_text(web.get(asked.headers["location"]).text)
    assert "votre adresse actuelle reste la bonne" in mailbox
    [event] = events.of("email_change_requested")
    assert (event["email"], event["previous_email"]) == (NEW, EMAIL)
    landed = web.get(
        "/api/auth/email", params={"token": token_of(event["link"])}, follow_redirects=True
    )
    profile = main_text(landed.text)
    assert "Votre nouvelle adresse est enregistrée" in profile and NEW in profile


def test_the_address_form_says_a_wrong_password_or_address_beside_the_field(setup):
    web, csrf, events, _ = signed_in(setup)
    wrong = post(web, "/profil/adresse", csrf_token=csrf, email=NEW, password="non")
    assert wrong.status_code == 422
    assert "Ce n'est pas votre mot de passe actuel." in field_block(
        wrong.text, "adresse-mot-de-passe"
    )
    bad = post(web, "/profil/adresse", csrf_token=csrf, email="pas-une-adresse", password=PASSWORD)
    assert bad.status_code == 422
    assert "adresse e-mail valide" in field_block(bad.text, "adresse-email")
    assert events.of("email_change_requested") == []


def test_the_address_form_in_english(setup):
    web, csrf, _, db = signed_in(setup)
    in_english(db)
    page = web.get("/profil").text
    assert "Change email address" in page and "Your current password" in page
    answer = web.post(
        "/profil/adresse",
        follow_redirects=False,
        content=f"csrf_token={csrf}&email={NEW}&password=wrong".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "This is not your current password." in answer.text


# --- the sign-in link's way back ---------------------------------------------------------------


def test_the_link_form_keeps_the_page_to_come_back_to(setup):
    web, events, _ = setup
    confirmed(fresh(web), events)
    page = web.get("/connexion?suite=/places/p1").text
    start = page.index('action="/connexion/lien"')
    link_form = page[start : page.index("</form>", start)]
    assert '<input type="hidden" name="suite" value="/places/p1">' in link_form
    token = TOKEN_FIELD.search(page)
    fields = {"email": EMAIL, "suite": "/places/p1"}
    if token:
        fields["csrf_token"] = token.group(1)
    assert post(web, "/connexion/lien", **fields).status_code == 303
    link = events.of("sign_in_link_requested")[-1]["link"]
    landed = fresh(web).get(link.replace("http://127.0.0.1:8000", ""), follow_redirects=False)
    assert landed.headers["location"] == "/places/p1"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_the_link_form_never_leads_elsewhere(setup, target):
    web, events, _ = setup
    confirmed(fresh(web), events)
    assert post(web, "/connexion/lien", email=EMAIL, suite=target).status_code == 303
    link = events.of("sign_in_link_requested")[-1]["link"]
    landed = fresh(web).get(link.replace("http://127.0.0.1:8000", ""), follow_redirects=False)
    assert landed.headers["location"] == "/"


def test_a_refused_link_form_keeps_the_page_to_come_back_to(setup):
    web, _, _ = setup
    refused = post(web, "/connexion/lien", email="pas-une-adresse", suite="/places/p1")
    assert refused.status_code == 422
    assert len(re.findall(r'name="suite" value="/places/p1"', refused.text)) == 2
