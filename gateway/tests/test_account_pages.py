"""The account pages of the web client: sign-up, sign-in (emailed link or password),
forgotten password, the profile, sign-out; in French and English, without JavaScript (POST
then 303), errors beside their field, CSRF, and never a word that tells whether an address
has an account."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from contracts.identity import CONTEXT_KEY
from gateway.deps import SESSION_COOKIE

from .fakes import TestClient, accounts_client, form_body, site_fake
from .test_auth import EMAIL, PASSWORD, token_of

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
TOKEN_FIELD = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


@pytest.fixture
def setup():
    return accounts_client(site_fake())


@pytest.fixture
def web(setup):
    return setup[0]


@pytest.fixture
def events(setup):
    return setup[1]


@pytest.fixture
def db(setup):
    return setup[2]


def fresh(web) -> TestClient:
    """Another browser of the same app (no cookie)."""
    return TestClient(web.app, raise_server_exceptions=False)


def post(web, path: str, **fields: str):
    return web.post(path, follow_redirects=False, **form_body(**fields))


def main_text(html: str) -> str:
    """The words of the page's <main>, without tags (what a reader reads)."""
    main = html[html.index("<main") : html.index("</main>")]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip())


def field_block(html: str, field_id: str) -> str:
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', html, re.S):
        if f'id="{field_id}"' in block:
            return unescape(block)
    raise AssertionError(f"no field {field_id}")


def sign_up(web, events, email=EMAIL, name="Véronique", password=PASSWORD, language="fr"):
    response = post(
        web, "/inscription", name=name, email=email, password=password, language=language
    )
    assert response.status_code == 303, response.text
    return response


def signed_in(web, events, email=EMAIL, name="Véronique") -> str:
    """A confirmed member signed in in ``web`` by the confirmation link: the CSRF token."""
    sign_up(web, events, email=email, name=name)
    link = events.of("email_confirmation_requested")[-1]["link"]
    landed = web.get("/api/auth/confirm", params={"token": token_of(link)}, follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/"
    return TOKEN_FIELD.search(web.get("/inscription").text).group(1)


# --- the pages, in French and in English -------------------------------------------------------

PAGES = {
    "/inscription": ("Créer un compte", "Create an account"),
    "/connexion": ("Recevoir un lien de connexion par e-mail", "Get a sign-in link by email"),
    "/mot-de-passe-oublie": ("Mot de passe oublié", "Forgotten password"),
    "/mot-de-passe?token=abc": ("Choisir un nouveau mot de passe", "Choose a new password"),
    "/courriel-envoye?motif=inscription": ("Regardez votre boîte e-mail", "Check your mailbox"),
}


@pytest.mark.parametrize("path", PAGES)
def test_each_account_page_in_french_and_in_english(web, path):
    french, english = PAGES[path]
    fr = web.get(path)
    assert fr.status_code == 200 and fr.headers["content-language"] == "fr"
    assert '<html lang="fr">' in fr.text and french in fr.text
    en = web.get(path, headers=ENGLISH)
    assert '<html lang="en">' in en.text and english in en.text
    assert french not in en.text


def test_sign_up_form_explains_the_password_and_asks_the_language(web):
    html = web.get("/inscription").text
    block = field_block(html, "inscription-mot-de-passe")
    assert "Au moins 8 caractères" in block and 'aria-describedby="inscription-mot-de-passe-aide"'
    assert 'autocomplete="new-password"' in block
    assert '<option value="fr" lang="fr" selected>' in html
    english = web.get("/inscription", headers=ENGLISH).text
    assert '<option value="en" lang="en" selected>' in english  # the reader's language first


def test_the_emailed_link_is_the_first_way_to_sign_in(web):
    html = web.get("/connexion").text
    assert html.index('action="/connexion/lien"') < html.index('action="/connexion"')
    assert 'href="/mot-de-passe-oublie"' in html


# --- the header --------------------------------------------------------------------------------


def test_the_header_of_a_visitor_offers_to_sign_in_or_up(web):
    html = web.get("/").text
    header = html[html.index("<header") : html.index("</header>")]
    assert '<a href="/connexion">Se connecter</a>' in header
    assert '<a href="/inscription">S\'inscrire</a>' in unescape(header)
    assert "/profil" not in header and "/deconnexion" not in header
    assert "csrf_token" not in html  # no session, no token


def test_the_header_of_a_member_names_them_and_signs_out_with_the_token(web, events):
    csrf = signed_in(web, events)
    for path in ("/", "/places/p1", "/clubs", "/inscription", "/page/absente"):
        html = web.get(path).text
        header = html[html.index("<header") : html.index("</header>")]
        assert '<li class="account-name">Véronique</li>' in header, path
        assert '<a href="/profil">Mon profil</a>' in header
        sign_out = header[header.index('action="/deconnexion"') :]
        assert TOKEN_FIELD.search(sign_out).group(1) == csrf
        assert "Se déconnecter" in sign_out and "/connexion" not in header
    english = web.get("/", headers=ENGLISH).text  # her saved language wins: French
    assert "Se déconnecter" in english


# --- sign-up -----------------------------------------------------------------------------------


def test_sign_up_then_check_your_mailbox_and_the_link_welcomes_once(web, events, db):
    response = sign_up(web, events, email="  Veronique@Example.ORG ", language="en")
    assert response.headers["location"] == "/courriel-envoye?motif=inscription"
    [sent] = events.of("email_confirmation_requested")
    assert sent["email"] == EMAIL and sent["language"] == "en" and sent["name"] == "Véronique"
    assert "/api/auth/confirm?token=" in sent["link"]
    assert db.members.find_one({"email": EMAIL})["confirmed"] is False
    web.get("/api/auth/confirm", params={"token": token_of(sent["link"])}, follow_redirects=False)
    home = web.get("/").text
    assert "Welcome, Véronique: you are signed in." in home  # her language
    assert '<html lang="en">' in home
    assert "Welcome" not in web.get("/").text  # once


def test_sign_up_says_the_same_for_a_new_a_pending_and_a_confirmed_address(web, events):
    signed_in(fresh(web), events, email="thierry@example.org", name="Thierry")
    answers = [
        post(web, "/inscription", name="X", email=email, password=PASSWORD, language="fr")
        for email in ("new@example.org", "new@example.org", "thierry@example.org")
    ]
    assert {(r.status_code, r.headers["location"]) for r in answers} == {
        (303, "/courriel-envoye?motif=inscription")
    }
    # the owner of the confirmed address is sent a sign-in link, told only by email
    assert [e["email"] for e in events.of("sign_in_link_requested")] == ["thierry@example.org"]
    words = main_text(web.get(answers[0].headers["location"]).text)
    assert "Si cette adresse peut être utilisée" in words
    assert "existe déjà" not in words and "inconnue" not in words


@pytest.mark.parametrize(
    ("fields", "field_id", "text"),
    [
        ({"email": "pas-une-adresse"}, "inscription-email", "adresse e-mail valide"),
        ({"password": "court"}, "inscription-mot-de-passe", "au moins 8 caractères"),
        ({"name": ""}, "inscription-nom", "Indiquez votre nom"),
        ({"name": "V\r\nBcc: x@example.org"}, "inscription-nom", "sur une ligne"),
    ],
)
def test_sign_up_errors_are_said_beside_their_field(web, events, fields, field_id, text):
    values = {"name": "Véronique", "email": EMAIL, "password": PASSWORD, "language": "fr"}
    response = post(web, "/inscription", **{**values, **fields})
    assert response.status_code == 422
    block = field_block(response.text, field_id)
    assert text in block and 'aria-invalid="true"' in block
    assert "Corrigez les champs signalés ci-dessous." in response.text
    assert PASSWORD not in response.text and "court" not in response.text.split("<main")[1]
    assert not events.of("email_confirmation_requested")


def test_too_many_sign_ups_say_how_many_minutes_to_wait(events):
    web, events, _ = accounts_client(site_fake(), rate_limit_per_address=1)
    sign_up(web, events)
    again = post(web, "/inscription", name="V", email=EMAIL, password=PASSWORD, language="fr")
    assert again.status_code == 429
    assert re.search(r"Attendez \d+ minutes? avant de réessayer", again.text)
    english = web.post(
        "/inscription",
        headers={**ENGLISH, "Content-Type": "application/x-www-form-urlencoded"},
        content=b"name=V&email=veronique%40example.org&password=xxxxxxxxxx&language=en",
    )
    assert re.search(r"Wait \d+ minutes? before trying again", english.text)


# --- sign-in -----------------------------------------------------------------------------------


def test_sign_in_by_password_opens_a_session_and_goes_where_asked(web, events):
    signed_in(fresh(web), events)
    response = post(web, "/connexion", email=EMAIL, password=PASSWORD, suite="/profil")
    assert response.status_code == 303 and response.headers["location"] == "/profil"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
    page = web.get("/profil")
    assert "Bienvenue, Véronique : vous êtes connecté." in page.text
    assert '<input id="profil-nom" name="name" type="text" value="Véronique"' in page.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_sign_in_never_sends_elsewhere(web, events, target):
    signed_in(fresh(web), events)
    response = post(web, "/connexion", email=EMAIL, password=PASSWORD, suite=target)
    assert response.headers["location"] == "/"


def test_a_wrong_password_and_an_unknown_address_read_the_same(web, events):
    signed_in(fresh(web), events)
    wrong = post(web, "/connexion", email=EMAIL, password="pas le bon")
    unknown = post(web, "/connexion", email="personne@example.org", password="pas le bon")
    assert wrong.status_code == unknown.status_code == 401
    block = field_block(wrong.text, "connexion-mot-de-passe")
    assert "Adresse e-mail ou mot de passe incorrect." in block and 'aria-invalid="true"' in block
    same = main_text(unknown.text).replace("personne@example.org", EMAIL)
    assert main_text(wrong.text) == same
    assert "set-cookie" not in wrong.headers


def test_an_unconfirmed_address_is_told_beside_the_email(web, events):
    sign_up(web, events)
    response = post(web, "/connexion", email=EMAIL, password=PASSWORD)
    assert response.status_code == 403
    assert "Confirmez d'abord votre adresse" in field_block(response.text, "connexion-email")


def test_an_empty_sign_in_form_is_told_beside_each_field(web):
    response = post(web, "/connexion", email="", password="")
    assert response.status_code == 422
    assert "adresse e-mail valide" in field_block(response.text, "connexion-email")
    assert "Indiquez votre mot de passe." in field_block(response.text, "connexion-mot-de-passe")


def test_too_many_sign_ins_say_how_many_minutes_to_wait():
    web, events, _ = accounts_client(site_fake(), rate_limit_per_address=2)
    for _ in range(2):
        post(web, "/connexion", email=EMAIL, password="pas le bon")
    response = post(web, "/connexion", email=EMAIL, password="pas le bon")
    assert response.status_code == 429
    assert re.search(
        r"Trop de tentatives\. Attendez \d+ minutes? avant de réessayer\.", response.text
    )
    assert "secondes" not in main_text(response.text)


def test_the_emailed_link_is_asked_for_with_the_same_answer_for_any_address(web, events):
    signed_in(fresh(web), events)
    sign_up(web, events, email="pending@example.org")
    answers = [
        post(web, "/connexion/lien", email=email)
        for email in (EMAIL, "personne@example.org", "pending@example.org")
    ]
    assert {(r.status_code, r.headers["location"]) for r in answers} == {
        (303, "/courriel-envoye?motif=lien")
    }
    assert [e["email"] for e in events.of("sign_in_link_requested")] == [EMAIL]
    link = events.of("sign_in_link_requested")[0]["link"]
    browser = fresh(web)
    assert (
        browser.get(link.replace("http://127.0.0.1:8000", ""), follow_redirects=False).status_code
        == 303
    )
    assert "Bienvenue, Véronique : vous êtes connecté." in browser.get("/").text
    refused = post(web, "/connexion/lien", email="pas-une-adresse")
    assert refused.status_code == 422
    assert "adresse e-mail valide" in field_block(refused.text, "lien-email")


def test_a_sign_in_form_sent_from_another_site_is_refused(web, events):
    signed_in(fresh(web), events)
    response = web.post(
        "/connexion",
        follow_redirects=False,
        headers={
            "Sec-Fetch-Site": "cross-site",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        content=f"email={EMAIL}&password={PASSWORD}".encode(),
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert "Formulaire expiré" in response.text


# --- forgotten password ------------------------------------------------------------------------


def test_a_forgotten_password_is_chosen_again_from_the_emailed_link(web, events, db):
    signed_in(web, events)
    other = fresh(web)
    assert post(other, "/connexion", email=EMAIL, password=PASSWORD).status_code == 303
    asked = post(fresh(web), "/mot-de-passe-oublie", email=EMAIL)
    unknown = post(fresh(web), "/mot-de-passe-oublie", email="personne@example.org")
    assert asked.headers["location"] == unknown.headers["location"]
    assert asked.headers["location"] == "/courriel-envoye?motif=mot-de-passe"
    [reset] = events.of("password_reset_requested")
    assert reset["link"].startswith("http://127.0.0.1:8000/mot-de-passe?token=")

    browser = fresh(web)
    path = reset["link"].replace("http://127.0.0.1:8000", "")
    page = browser.get(path)  # showing the form spends nothing (mail scanners fetch links)
    assert page.status_code == 200 and browser.get(path).status_code == 200
    token = token_of(reset["link"])
    assert f'<input type="hidden" name="token" value="{token}">' in page.text
    short = post(browser, "/mot-de-passe", token=token, password="court")
    assert short.status_code == 422
    assert "au moins 8 caractères" in field_block(short.text, "nouveau-mot-de-passe")

    done = post(browser, "/mot-de-passe", token=token, password="une toute nouvelle phrase")
    assert done.status_code == 303 and done.headers["location"] == "/profil"
    assert "Votre nouveau mot de passe est enregistré." in browser.get("/profil").text
    assert "Mon profil" not in other.get("/").text.split("</header>")[0]  # signed out there
    assert post(fresh(web), "/connexion", email=EMAIL, password=PASSWORD).status_code == 401
    again = post(fresh(web), "/mot-de-passe", token=token, password="encore une autre phrase")
    assert again.status_code == 404 and "Ce lien n'est pas valide" in again.text


def test_the_password_page_without_a_token_says_the_link_is_incomplete(web):
    response = web.get("/mot-de-passe")
    assert response.status_code == 404
    assert 'href="/mot-de-passe-oublie"' in response.text


# --- the profile -------------------------------------------------------------------------------


def test_the_profile_needs_a_member(web):
    response = web.get("/profil", follow_redirects=False)
    assert (
        response.status_code == 303 and response.headers["location"] == "/connexion?suite=/profil"
    )
    assert 'name="suite" value="/profil"' in web.get("/connexion?suite=/profil").text
    posted = post(web, "/profil", name="Personne")
    assert posted.status_code == 303 and posted.headers["location"].startswith("/connexion")


def test_the_profile_is_saved_and_told_to_the_services(web, events, db):
    csrf = signed_in(web, events)
    page = web.get("/profil").text
    assert "Salarié en télétravail" in page and "Je préfère ne pas le dire" in page
    assert "jamais avec votre nom ni votre adresse" in page  # the consent, plainly
    assert 'name="consent_statistics" type="checkbox" value="oui" aria-describedby' in page
    saved = post(
        web,
        "/profil",
        csrf_token=csrf,
        name="Véronique Martin",
        language="en",
        commune="Riez",
        audience="teleworker",
        consent_statistics="oui",
        phone="06 12 34 56 78",
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/profil"
    member = db.members.find_one({"email": EMAIL})
    assert member["name"] == "Véronique Martin" and member["commune"] == "Riez"
    assert member["audience"] == "teleworker" and member["consent_statistics"] is True
    assert member["phone"] == "06 12 34 56 78" and member["language"] == "en"
    assert events.of("member_updated")[-1]["name"] == "Véronique Martin"
    page = web.get("/profil").text
    assert "Your profile is saved." in page and '<html lang="en">' in page
    assert '<option value="teleworker" selected>Employee working remotely</option>' in page
    # unticked and emptied: consent withdrawn, commune, audience and phone cleared
    post(
        web,
        "/profil",
        csrf_token=csrf,
        name="Véronique",
        language="fr",
        commune="",
        audience="",
        phone="",
    )
    member = db.members.find_one({"email": EMAIL})
    assert member["consent_statistics"] is False
    assert member["commune"] is None and member["audience"] is None and member["phone"] is None


@pytest.mark.parametrize(
    ("fields", "field_id", "text"),
    [
        ({"phone": "appelez-moi"}, "profil-telephone", "numéro de téléphone"),
        ({"name": ""}, "profil-nom", "Indiquez votre nom"),
        ({"audience": "astronaut"}, "profil-situation", "une des réponses proposées"),
    ],
)
def test_profile_errors_are_said_beside_their_field(web, events, db, fields, field_id, text):
    csrf = signed_in(web, events)
    values = {"name": "Véronique", "language": "fr", "commune": "Riez", "csrf_token": csrf}
    response = post(web, "/profil", **{**values, **fields})
    assert response.status_code == 422
    assert text in field_block(response.text, field_id)
    assert db.members.find_one({"email": EMAIL})["commune"] is None  # nothing saved


def test_a_member_without_a_password_is_told_how_they_sign_in(web, events, db):
    signed_in(web, events)
    db.members.update_one({"email": EMAIL}, {"$set": {"password_hash": None}})
    assert "Vous vous connectez avec un lien reçu par e-mail" in web.get("/profil").text


# --- CSRF and sign-out -------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_members_form_without_its_token_is_refused_and_changes_nothing(web, events, db, token):
    signed_in(web, events)
    fields = {"name": "Quelqu'un d'autre", "language": "fr"}
    if token:
        fields["csrf_token"] = token
    for path in ("/profil", "/deconnexion", "/deconnexion-partout"):
        response = post(web, path, **fields)
        assert response.status_code == 403, path
        assert "Formulaire expiré" in response.text
    assert db.members.find_one({"email": EMAIL})["name"] == "Véronique"
    assert "Mon profil" in web.get("/").text  # still signed in


def test_sign_out_ends_this_session_only(web, events):
    csrf = signed_in(web, events)
    other = fresh(web)
    post(other, "/connexion", email=EMAIL, password=PASSWORD)
    response = post(web, "/deconnexion", csrf_token=csrf)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    home = web.get("/").text
    assert "Vous êtes déconnecté. À bientôt !" in home and "Se connecter" in home
    assert "À bientôt" not in web.get("/").text  # the message shows once
    assert "Mon profil" in other.get("/").text


def test_sign_out_everywhere_ends_every_session(web, events):
    csrf = signed_in(web, events)
    other = fresh(web)
    post(other, "/connexion", email=EMAIL, password=PASSWORD)
    response = post(web, "/deconnexion-partout", csrf_token=csrf)
    assert response.status_code == 303
    assert "Vous êtes déconnecté de tous vos appareils" in web.get("/").text
    assert "Mon profil" not in other.get("/").text


# --- the demo accounts of `make run` ----------------------------------------------------------


def test_the_demo_accounts_are_confirmed_with_their_roles_and_load_twice_the_same(web, events, db):
    from tools.demo import DEMO_PASSWORD, load_demo_accounts
    from tools.profiles import load_profile

    from .fakes import outbox_events

    verdon = load_profile("verdon")
    first = load_demo_accounts(verdon, "unused", db=db)
    ids = {m["email"]: m["_id"] for m in db.members.find()}
    again = load_demo_accounts(verdon, "unused", db=db)
    assert first == again and len(first) == 6
    assert {m["email"]: m["_id"] for m in db.members.find()} == ids  # nothing new
    members = {m["email"]: m for m in db.members.find()}
    assert all(m["confirmed"] for m in members.values())
    assert members["coordination@example.org"]["roles"] == ["coordinator"]
    assert members["admin@example.org"]["roles"] == ["admin"]
    assert members["veronique@example.org"]["roles"] == []
    assert members["marceline@example.org"]["password_hash"] is None
    assert members["veronique@example.org"]["commune"] == "Riez"
    registered = [e for e in outbox_events(db) if e["type"] == "member_registered"]
    assert sorted(e["data"]["email"] for e in registered) == sorted(first)  # once each

    signed = post(web, "/connexion", email="veronique@example.org", password=DEMO_PASSWORD)
    assert signed.status_code == 303
    marceline = post(fresh(web), "/connexion", email="marceline@example.org", password="x" * 8)
    assert marceline.status_code == 401  # she signs in by an emailed link
    asked = post(fresh(web), "/connexion/lien", email="marceline@example.org")
    assert asked.status_code == 303
    assert [e["email"] for e in events.of("sign_in_link_requested")] == ["marceline@example.org"]


# --- « Mes réservations » ------------------------------------------------------------------------


def bookings_setup(**script):
    from .fakes import BOOKING_OUT

    cancelled = {**BOOKING_OUT, "id": "b2", "status": "cancelled"}
    answers = {
        "booking.my_bookings": [BOOKING_OUT, cancelled],
        "booking.cancel_booking": {**BOOKING_OUT, "status": "cancelled"},
        **script,
    }
    return accounts_client(site_fake(**answers))


def test_my_bookings_needs_a_member_and_is_in_the_header():
    web, events, _ = bookings_setup()
    response = web.get("/mes-reservations", follow_redirects=False)
    assert response.headers["location"] == "/connexion?suite=/mes-reservations"
    assert "/mes-reservations" not in web.get("/").text
    signed_in(web, events)
    assert '<a href="/mes-reservations">Mes réservations</a>' in web.get("/").text


def test_my_bookings_lists_them_in_words_with_a_cancel_form_for_a_confirmed_one():
    web, events, _ = bookings_setup()
    csrf = signed_in(web, events)
    html = web.get("/mes-reservations").text
    assert "Open space" in html and '<a href="/places/p1">Tiers-lieu de Riez</a>' in html
    assert "jeudi 2 mai 2030, de 9 h à 10 h" in html
    assert ">Confirmée</span>" in html and ">Annulée</span>" in html
    forms = re.findall(
        r'<form method="post" action="/mes-reservations/annuler">.*?</form>', html, re.S
    )
    assert len(forms) == 1 and 'name="booking_id" value="b1"' in forms[0]
    assert TOKEN_FIELD.search(forms[0]).group(1) == csrf
    [call] = [c for c in web.app.state.rpc.domain_calls() if c.method == "my_bookings"]
    assert json.loads(call.context[CONTEXT_KEY])["email"] == EMAIL  # the service knows who asks
    english = web.get("/mes-reservations", headers=ENGLISH).text  # her language: French
    assert "Annuler cette réservation" in english


def test_cancelling_posts_then_redirects_with_a_message():
    web, events, _ = bookings_setup()
    csrf = signed_in(web, events)
    response = post(
        web, "/mes-reservations/annuler", csrf_token=csrf, booking_id="b1", key="k" * 32
    )
    assert response.status_code == 303 and response.headers["location"] == "/mes-reservations"
    [call] = [c for c in web.app.state.rpc.domain_calls() if c.method == "cancel_booking"]
    assert call.args == ("b1", "k" * 32) and json.loads(call.context[CONTEXT_KEY])["email"] == EMAIL
    assert "La réservation est annulée" in web.get("/mes-reservations").text
    refused = post(web, "/mes-reservations/annuler", booking_id="b1", key="k" * 32)
    assert refused.status_code == 403 and "Formulaire expiré" in refused.text


def test_a_cancellation_refused_by_the_service_is_said_in_words():
    from contracts.booking import BookingStarted

    from .fakes import remote

    started = remote("booking", BookingStarted("started", start="2030-05-02T09:00:00+02:00"))
    web, events, _ = bookings_setup(**{"booking.cancel_booking": started})
    csrf = signed_in(web, events)
    response = post(web, "/mes-reservations/annuler", csrf_token=csrf, booking_id="b1", key="k")
    assert response.status_code == 409
    assert "Cette réservation a déjà commencé" in unescape(response.text)
