"""The web pages, rendered by the gateway: bodies in French and English, forms that work
without JavaScript (POST then 303), errors beside the field they concern, unsubscribing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

import pytest

from contracts.booking import EndNotAfterStart, NoSeatLeft, TooManySeats
from contracts.errors import Forbidden, NotFound, ValidationFailed
from contracts.identity import Caller
from contracts.notifications import InvalidUnsubscribeLink
from gateway import i18n

from .fakes import (
    BOOKING_OUT,
    CLUB,
    HEX32,
    FakeRpc,
    Member,
    TestClient,
    accounts_client,
    client,
    form_body,
    is_problem,
    member,
    remote,
    site_fake,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}
# A signed-in member books for themselves: no name, no address in the form.
BOOKING_FORM = {
    "place_id": "p1",
    "resource_id": "r1",
    "key": "k" * 32,
    "date": "2030-05-02",
    "start": "09:00",
    "end": "10:30",
    "seats": "1",
}
# A manager of the place books for Marceline, who called.
FOR_MARCELINE = {"name": "Marceline Roux", "phone": "06 12 34 56 78"}


def signed_in(fake: FakeRpc | None = None, roles=(), manages=(), **settings) -> Member:
    """Véronique's browser, signed in (a session cookie), on an app with ``fake``."""
    api, _, _ = accounts_client(fake or site_fake(), **settings)
    return member(api, "veronique@example.org", "Véronique Martin", roles, manages, browser=True)


def post_booking(who: Member, headers: dict | None = None, **fields: str):
    """The place's form as her browser sends it: the session's CSRF token in a field."""
    body = {**BOOKING_FORM, "csrf_token": who.csrf, **fields}
    return who.client.post(
        "/reservations",
        follow_redirects=False,
        content=urlencode(body).encode(),
        headers={**FORM, **(headers or {})},
    )


def created(fake: FakeRpc) -> list:
    return [c for c in fake.domain_calls() if c.method == "create_booking"]


def field_block(html: str, field_id: str) -> str:
    """The ``<div class="field">`` holding the input ``field_id``."""
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', html, re.S):
        if f'id="{field_id}"' in block:
            return block
    raise AssertionError(f"no field {field_id}")


def hidden_key(html: str, resource_id: str = "r1") -> str:
    form = html[html.index(f'name="resource_id" value="{resource_id}"') :]
    return re.search(r'name="key" value="([^"]+)"', form).group(1)


# --- home --------------------------------------------------------------------------------


def test_home_lists_the_places_in_french():
    response = client(site_fake(), territory_label="Parc du Verdon").get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "fr"
    html = response.text
    assert '<html lang="fr">' in html
    assert "<h1>Parc du Verdon</h1>" in html
    assert '<a class="place-link" href="/places/p1">Tiers-lieu de Riez</a>' in html
    assert "Riez (04500)" in html and ">Ouvert</span>" in html
    assert '<a href="/clubs">' in html  # clubs runs here
    # landmarks and skip link
    assert '<a class="skip" href="#contenu">Aller au contenu</a>' in html
    assert '<main id="contenu"' in html and "<header" in html and "<footer" in html
    assert 'aria-label="Navigation principale"' in html


def test_home_in_english_when_the_browser_prefers_it():
    html = client(site_fake()).get("/", headers=ENGLISH).text
    assert '<html lang="en">' in html
    assert "Places</h2>" in html and ">Open</span>" in html
    assert "Les lieux" not in html


def test_sections_only_for_services_the_territory_runs():
    fake = site_fake()
    fake.down = {"clubs", "booking"}
    html = client(fake).get("/").text
    assert "/clubs" not in html
    assert "Tiers-lieu de Riez" in html


def test_home_without_the_directory_says_so_kindly():
    fake = site_fake()
    fake.down = {"directory"}
    html = client(fake).get("/").text
    assert "Annuaire momentanément indisponible" in html
    assert "Tiers-lieu de Riez" not in html


def test_status_filter_is_a_plain_link():
    closed = {
        "id": "p2",
        "name": "Ancienne gare",
        "commune": "Moustiers",
        "postal_code": "04360",
        "status": "closed",
        "location": {"lat": 43.8, "lon": 6.2},
    }
    fake = site_fake(**{"directory.list_places": [{"id": "p1", **_place()}, closed]})
    html = client(fake).get("/?statut=closed").text
    assert "Ancienne gare" in html and "Tiers-lieu de Riez" not in html
    assert 'href="/?statut=closed" aria-current="true">Fermés (1)' in html


def _place():
    from tests.samples import PLACE

    return PLACE


# --- language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "fr"),
        ("en", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,en;q=0.7,fr;q=0.3", "en"),
        ("fr;q=0.2, en;q=0.9", "en"),  # q-values, not order
        ("en;q=0, fr", "fr"),
        ("de, it", "fr"),
    ],
)
def test_accept_language(header, language):
    headers = {"Accept-Language": header} if header else {}
    assert f'<html lang="{language}">' in client(site_fake()).get("/", headers=headers).text


def test_the_switch_sets_a_cookie_that_wins_over_the_browser():
    api = client(site_fake())
    response = api.post(
        "/langue", follow_redirects=False, **form_body(langue="en", next="/places/p1")
    )
    assert response.status_code == 303 and response.headers["location"] == "/places/p1"
    assert "langue=en" in response.headers["set-cookie"]
    assert "httponly" in response.headers["set-cookie"].lower()
    html = api.get("/places/p1", headers={"Accept-Language": "fr"}).text
    assert '<html lang="en">' in html and "Sign in to book" in html
    # and back to French from the English page's button
    assert '<button type="submit" name="langue" value="fr" lang="fr">Français</button>' in html
    api.post("/langue", **form_body(langue="fr", next="/"))
    assert '<html lang="fr">' in api.get("/", headers=ENGLISH).text


def test_the_switch_changes_a_signed_in_members_saved_language():
    # Her saved language comes first on every page: the switch must change it, or do nothing.
    veronique = signed_in()
    events = veronique.client.app.state.events
    refused = veronique.client.post(
        "/langue", follow_redirects=False, **form_body(langue="en", next="/places/p1")
    )
    assert refused.status_code == 403 and events.of("member_updated") == []  # no CSRF token
    response = veronique.client.post(
        "/langue",
        follow_redirects=False,
        **form_body(langue="en", next="/places/p1", csrf_token=veronique.csrf),
    )
    assert response.status_code == 303 and response.headers["location"] == "/places/p1"
    html = veronique.client.get("/places/p1", headers={"Accept-Language": "fr"}).text
    assert '<html lang="en">' in html and "Confirm the booking" in html
    [updated] = events.of("member_updated")  # her emails follow
    assert (updated["member_id"], updated["language"]) == (veronique.id, "en")


def test_every_page_offers_the_switch_back_to_where_it_was():
    html = client(site_fake()).get("/places/p1").text
    assert '<form class="lang" method="post" action="/langue">' in html
    assert '<input type="hidden" name="next" value="/places/p1">' in html
    assert 'value="en" lang="en">English</button>' in html


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "\\\\evil", "x"])
def test_the_switch_never_sends_elsewhere(target):
    response = client(site_fake()).post(
        "/langue", follow_redirects=False, **form_body(langue="en", next=target)
    )
    assert response.headers["location"] == "/"


def test_an_unknown_language_is_ignored():
    response = client(site_fake()).post(
        "/langue", follow_redirects=False, **form_body(langue="de", next="/")
    )
    assert response.status_code == 303 and "set-cookie" not in response.headers


def test_a_members_saved_language_will_come_first():
    from starlette.requests import Request

    scope = {"type": "http", "headers": [(b"cookie", b"langue=fr"), (b"accept-language", b"fr")]}
    request = Request(scope)
    request.state.member_language = "en"
    assert i18n.page_language(request) == "en"


# --- dates in the reader's style -----------------------------------------------------------


def test_french_dates_and_times():
    assert i18n.format_day(date(2026, 12, 1), "fr", with_year=False) == "mardi 1er décembre"
    assert i18n.format_day(date(2026, 12, 2), "fr", with_year=True) == "mercredi 2 décembre 2026"
    assert i18n.format_hour(time(9, 30), "fr") == "9 h 30"
    assert i18n.format_hour(time(14, 0), "fr") == "14 h"
    moment = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # 9:30 in Paris (winter)
    assert i18n.format_hour(moment, "fr") == "9 h 30"
    assert i18n.format_day(moment, "fr", with_year=False) == "mardi 1er décembre"
    this_year = datetime.now(i18n.PARIS).replace(month=12, day=1, hour=9, minute=30)
    assert i18n.format_moment(this_year, "fr").endswith(" 1er décembre, 9 h 30")


def test_english_dates_and_times():
    assert i18n.format_day(date(2026, 12, 1), "en", with_year=False) == "Tuesday, December 1"
    assert i18n.format_hour(time(9, 30), "en") == "9:30 AM"
    summer = datetime(2030, 5, 2, 7, 0, tzinfo=UTC)  # 9:00 in Paris (summer)
    assert i18n.format_hour(summer, "en") == "9:00 AM"


# --- a place and its booking form -------------------------------------------------------------


def test_an_anonymous_visitor_sees_the_resources_and_an_invitation_to_sign_in():
    fake = site_fake()
    response = client(fake).get("/places/p1")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Tiers-lieu de Riez</h1>" in html
    assert "Open space" in html and "Postes de travail partagés · 3 places" in html
    # back to this place after signing in
    assert (
        '<a class="button" href="/connexion?suite=/places/p1">Se connecter pour réserver</a>'
        in (html)
    )
    assert '<a href="/inscription">Créer un compte</a>' in html
    assert 'action="/reservations"' not in html and 'name="email"' not in html
    assert "<script" not in html


def test_the_invitation_brings_her_back_to_the_place_after_signing_in():
    html = client(site_fake()).get("/connexion?suite=/places/p1").text
    assert '<input type="hidden" name="suite" value="/places/p1">' in html


def test_the_invitation_in_english():
    html = client(site_fake()).get("/places/p1", headers=ENGLISH).text
    assert "Sign in to book" in html and "Create an account" in html
    assert "Se connecter pour réserver" not in html


def test_a_member_books_as_herself_without_a_name_or_address_field():
    veronique = signed_in()
    response = veronique.client.get("/places/p1")
    assert response.status_code == 200
    html = response.text
    assert '<form method="post" action="/reservations" class="booking"' in html
    for name, label in [
        ("date", "Date"),
        ("start", "Heure de début"),
        ("end", "Heure de fin"),
        ("seats", "Nombre de places"),
    ]:
        assert f'<label for="r1-{name}">{label}</label>' in html
        assert f'id="r1-{name}" name="{name}"' in html
    booker = re.search(r'<p class="booker" id="r1-pour">(.*?)</p>', html).group(1)
    assert "<strong>Véronique Martin</strong>" in booker
    assert "veronique@example.org" in booker  # where the confirmation goes, as text
    assert 'name="email"' not in html and 'name="name"' not in html and 'name="phone"' not in html
    assert "Réserver pour quelqu'un d'autre" not in html  # not a manager
    assert 'aria-describedby="r1-pour"' in html  # the button says in whose name
    assert f'name="csrf_token" value="{veronique.csrf}"' in html
    assert HEX32.match(hidden_key(html))
    assert "<script" not in html


@pytest.mark.parametrize(
    ("roles", "manages"), [((), ("p1",)), (("admin",), ())], ids=["manager", "admin"]
)
def test_a_manager_of_the_place_or_an_admin_may_also_book_for_someone_else(roles, manages):
    html = signed_in(roles=roles, manages=manages).client.get("/places/p1").text
    part = html[html.index('<details class="someone">') : html.index("</details>")]
    assert "<summary>Réserver pour quelqu'un d'autre</summary>" in part
    assert "<legend>La personne pour qui vous réservez</legend>" in part
    for name, label in [
        ("name", "Son nom"),
        ("phone", "Son téléphone"),
        ("email", "Son adresse e-mail"),
    ]:
        assert f'<label for="r1-{name}">{label}</label>' in part
        assert f'id="r1-{name}" name="{name}"' in part
    assert " required" not in part  # optional: empty books for herself


@pytest.mark.parametrize("manages", [("p2",)], ids=["manager of another place"])
def test_a_manager_of_another_place_or_a_coordinator_books_only_for_themselves(manages):
    for who in (signed_in(manages=manages), signed_in(roles=("coordinator",))):
        html = who.client.get("/places/p1").text
        assert 'action="/reservations"' in html and '<details class="someone"' not in html


def test_each_form_gets_its_own_idempotency_key():
    api = signed_in().client
    assert hidden_key(api.get("/places/p1").text) != hidden_key(api.get("/places/p1").text)


def test_emails_link_to_the_place_page():
    response = client(site_fake()).get("/places/p1", follow_redirects=False)
    assert response.status_code == 200 and "Tiers-lieu de Riez" in response.text


def test_an_unknown_place_is_a_friendly_404():
    error = remote("directory", NotFound("no place", what="place", id="zz"))
    response = client(site_fake(**{"directory.get_place": error})).get("/places/zz")
    assert response.status_code == 404
    assert "Page introuvable" in response.text and '<html lang="fr">' in response.text


def test_place_page_without_the_directory_is_a_friendly_503():
    fake = site_fake()
    fake.down = {"directory"}
    response = client(fake).get("/places/p1")
    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.text
    assert "réessayer" in response.text


def test_place_page_without_booking_shows_the_place():
    fake = site_fake()
    fake.down = {"booking"}
    response = signed_in(fake).client.get("/places/p1")
    assert response.status_code == 200
    assert "La réservation en ligne n'est pas disponible pour le moment." in response.text
    assert (
        "/reservations" not in response.text and "Se connecter pour réserver" not in response.text
    )


# --- booking through the form ---------------------------------------------------------------


def test_a_booking_is_posted_then_redirected_to_its_confirmation():
    fake = site_fake()
    veronique = signed_in(fake)
    response = post_booking(veronique)
    assert response.status_code == 303
    assert response.headers["location"] == "/reservations/b1"
    [call] = created(fake)
    payload, key = call.args
    assert key == BOOKING_FORM["key"]
    assert payload == {
        "resource_id": "r1",
        "start": "2030-05-02T09:00:00+02:00",  # Paris time, summer
        "end": "2030-05-02T10:30:00+02:00",
        "seats": 1,
        # for herself: the booking service takes her account's name and address
        "name": None,
        "email": None,
        "phone": None,
        "language": "fr",
    }
    caller = Caller.from_context(call.context)
    assert (caller.member_id, caller.email) == (veronique.id, "veronique@example.org")


def test_an_anonymous_form_is_sent_to_sign_in_and_books_nothing():
    # Signed out between the page and the form (the session expired): sign in, come back.
    fake = site_fake()
    response = client(fake).post(
        "/reservations", follow_redirects=False, **form_body(**BOOKING_FORM)
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suite=/places/p1"
    assert created(fake) == []


def test_a_form_without_the_sessions_token_is_refused_and_books_nothing():
    fake = site_fake()
    response = post_booking(signed_in(fake), csrf_token="forged")
    assert response.status_code == 403
    assert created(fake) == []


def test_a_manager_books_for_someone_by_phone():
    fake = site_fake()
    facilitator = signed_in(fake, manages=("p1",))
    response = post_booking(facilitator, **FOR_MARCELINE)
    assert response.status_code == 303, response.text
    [call] = created(fake)
    payload = call.args[0]
    assert (payload["name"], payload["phone"], payload["email"]) == (
        "Marceline Roux",
        "06 12 34 56 78",
        None,
    )
    assert Caller.from_context(call.context).manages == ("p1",)


def test_a_manager_books_for_someone_by_email():
    fake = site_fake()
    response = post_booking(
        signed_in(fake, manages=("p1",)), name="Marceline Roux", email="marceline@example.org"
    )
    assert response.status_code == 303
    [call] = created(fake)
    assert call.args[0]["email"] == "marceline@example.org" and call.args[0]["phone"] is None


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"name": "Marceline Roux"}, "phone", "Indiquez son téléphone ou son adresse e-mail."),
        ({"phone": "06 12 34 56 78"}, "name", "Indiquez le nom de la personne."),
        ({"email": "marceline@example.org"}, "name", "Indiquez le nom de la personne."),
        ({**FOR_MARCELINE, "phone": "appelez-la"}, "phone", "Indiquez un numéro de téléphone"),
        ({**FOR_MARCELINE, "email": "marceline@"}, "email", "Indiquez une adresse e-mail valide"),
    ],
)
def test_booking_for_someone_needs_a_name_and_a_phone_or_an_address(fields, field, text):
    # A name alone would book for the manager under someone else's name: never sent.
    fake = site_fake()
    response = post_booking(signed_in(fake, manages=("p1",)), **fields)
    assert response.status_code == 422
    block = field_block(response.text, f"r1-{field}")
    assert text in block and 'aria-invalid="true"' in block
    assert '<details class="someone" open>' in response.text  # shown open, with what was typed
    assert "Corrigez les champs signalés ci-dessous." in response.text
    assert created(fake) == []


def test_the_booking_services_refusal_to_book_for_someone_is_said_above_the_form():
    # Her manager role removed since the page was shown: the service decides, 403.
    error = Forbidden("you may not book for someone else", what="place", id="p1")
    fake = site_fake(**{"booking.create_booking": remote("booking", error)})
    response = post_booking(signed_in(fake), **FOR_MARCELINE)
    assert response.status_code == 403
    html = response.text
    assert "Accès refusé" in html and "Vous n&#39;avez pas le droit de faire cela." in html
    assert html.index("Accès refusé") < html.index('id="r1-date"')


def test_the_services_missing_name_is_said_beside_the_name():
    error = ValidationFailed("the name of the person is required", field="name")
    fake = site_fake(**{"booking.create_booking": remote("booking", error)})
    response = post_booking(signed_in(fake, manages=("p1",)), **FOR_MARCELINE)
    assert response.status_code == 422
    assert "Indiquez le nom de la personne." in field_block(response.text, "r1-name")


def test_a_double_submit_sends_the_same_key_twice():
    fake = site_fake()
    veronique = signed_in(fake)
    key = hidden_key(veronique.client.get("/places/p1").text)
    for _ in range(2):
        post_booking(veronique, key=key)
    keys = [c.args[1] for c in created(fake)]
    assert keys == [key, key]  # the booking service books once per key


def test_the_language_of_the_page_goes_with_the_booking():
    fake = site_fake()
    veronique = signed_in(fake)
    veronique.client.cookies.set(i18n.LANGUAGE_COOKIE, "en")
    # her account says French: the member's saved language comes first
    post_booking(veronique, headers=ENGLISH)
    [call] = created(fake)
    assert call.args[0]["language"] == "fr"
    veronique.client.app.state.accounts.members.update_one(
        {"_id": veronique.id}, {"$set": {"language": "en"}}
    )
    post_booking(veronique, key="k2")
    assert created(fake)[-1].args[0]["language"] == "en"


def test_french_style_dates_and_lenient_times_are_understood():
    fake = site_fake()
    response = post_booking(signed_in(fake), date="02/05/2030", start="9h", end="10 h 30")
    assert response.status_code == 303
    [call] = created(fake)
    assert call.args[0]["start"] == "2030-05-02T09:00:00+02:00"
    assert call.args[0]["end"] == "2030-05-02T10:30:00+02:00"


def test_the_confirmation_page_speaks_french():
    mine = {**BOOKING_OUT, "email": "veronique@example.org", "name": "Véronique Martin"}
    html = signed_in(site_fake(**{"booking.get_booking": mine})).client.get("/reservations/b1").text
    assert "<h1>Réservation confirmée</h1>" in html
    assert "jeudi 2 mai 2030" in html and "de 9 h à 10 h" in html
    assert '<a href="/places/p1">Tiers-lieu de Riez</a>' in html
    assert "Un e-mail de confirmation avec l'invitation vous a été envoyé." in html


def test_the_confirmation_of_a_booking_for_someone_says_who_was_told_and_how():
    by_email = client(site_fake()).get("/reservations/b1").text
    assert "a été envoyé à marceline@example.org" in by_email
    by_phone = {**BOOKING_OUT, "email": None, "phone": "06 12 34 56 78"}
    html = client(site_fake(**{"booking.get_booking": by_phone})).get("/reservations/b1").text
    assert "Aucun e-mail n'est envoyé : prévenez Marceline par téléphone." in html
    assert "<dt>Téléphone</dt><dd>06 12 34 56 78</dd>" in html
    assert "Un e-mail de confirmation" not in html


def test_the_confirmation_page_names_nobody_the_service_did_not_name():
    # The booking service gives the person only to its owner, the place's managers, staff.
    anonymous = {**BOOKING_OUT, "name": None, "email": None, "phone": None}
    html = client(site_fake(**{"booking.get_booking": anonymous})).get("/reservations/b1").text
    assert "<h1>Réservation confirmée</h1>" in html
    assert "Au nom de" not in html and "None" not in html and "Téléphone" not in html


def test_a_cancelled_booking_says_so():
    cancelled = {**BOOKING_OUT, "status": "cancelled"}
    html = client(site_fake(**{"booking.get_booking": cancelled})).get("/reservations/b1").text
    assert "<h1>Réservation annulée</h1>" in html
    assert "confirmée" not in html and "Un e-mail de confirmation" not in html


def test_the_confirmation_page_in_english():
    html = client(site_fake()).get("/reservations/b1", headers=ENGLISH).text
    assert "Booking confirmed" in html and "Thursday, May 2, 2030" in html
    assert "from 9:00" in html and "was sent to marceline@example.org" in html


def test_an_unknown_booking_is_a_friendly_404():
    error = remote("booking", NotFound("no booking", what="booking", id="zz"))
    response = client(site_fake(**{"booking.get_booking": error})).get("/reservations/zz")
    assert response.status_code == 404 and "Page introuvable" in response.text


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("date", "demain", "Indiquez la date"),
        ("start", "midi", "Indiquez l&#39;heure de début"),
        ("seats", "deux", "Indiquez un nombre entier de places"),
        ("seats", "0", "Indiquez un nombre entier de places"),
    ],
)
def test_what_the_contract_refuses_is_said_beside_the_field(field, value, text):
    fake = site_fake()
    response = post_booking(signed_in(fake), end="11:15", **{field: value})
    assert response.status_code == 422
    block = field_block(response.text, f"r1-{field}")
    assert text in block
    assert 'aria-invalid="true"' in block and f'aria-describedby="r1-{field}-erreur' in block
    assert "Corrigez les champs signalés ci-dessous." in response.text
    assert created(fake) == []
    assert 'value="11:15"' in response.text  # what she typed is still there


def test_a_full_slot_is_explained_in_french_above_the_form():
    error = remote("booking", NoSeatLeft("full", seats_total=3, seats_taken=3, seats_requested=1))
    response = post_booking(signed_in(site_fake(**{"booking.create_booking": error})))
    assert response.status_code == 409
    html = response.text
    assert "Plus de place disponible" in html
    assert "3 sur 3 sont déjà prises, vous en demandez 1." in html
    assert html.index("Plus de place disponible") < html.index('id="r1-date"')  # in its form
    assert "no seat left" not in html.lower() and "full" not in html
    assert 'value="2030-05-02"' in html and 'value="10:30"' in html
    assert hidden_key(html) != BOOKING_FORM["key"]  # a refusal is final: a new attempt


def test_a_full_slot_in_english():
    error = remote("booking", NoSeatLeft("full", seats_total=3, seats_taken=3, seats_requested=1))
    veronique = signed_in(site_fake(**{"booking.create_booking": error}))
    veronique.client.app.state.accounts.members.update_one(
        {"_id": veronique.id}, {"$set": {"language": "en"}}
    )
    response = post_booking(veronique)
    assert "No seat left" in response.text and "3 of 3 are taken" in response.text
    assert "Plus de place" not in response.text


@pytest.mark.parametrize(
    ("error", "field", "text", "status"),
    [
        (
            TooManySeats("x", field="seats", capacity=3, requested=5),
            "seats",
            "Cette ressource a 3 place(s) ; vous en demandez 5.",
            422,
        ),
        (
            EndNotAfterStart("end must be after start", field="end"),
            "end",
            "La fin doit venir après le début.",
            422,
        ),
    ],
)
def test_a_service_refusal_is_said_beside_its_field(error, field, text, status):
    fake = site_fake(**{"booking.create_booking": remote("booking", error)})
    response = post_booking(signed_in(fake))
    assert response.status_code == status
    block = field_block(response.text, f"r1-{field}")
    assert text in block and 'aria-invalid="true"' in block
    assert "must be after" not in response.text


def test_validation_failed_lists_are_placed_by_field_without_english():
    errors = [{"field": "email", "message": "value is not a valid email address"}]
    error = remote("booking", ValidationFailed("invalid data", errors=errors))
    fake = site_fake(**{"booking.create_booking": error})
    response = post_booking(signed_in(fake, manages=("p1",)), name="M", email="m@example.org")
    assert response.status_code == 422
    assert "Indiquez une adresse e-mail valide" in field_block(response.text, "r1-email")
    assert "not a valid" not in response.text


def test_booking_gone_when_the_form_arrives_says_so_on_the_place():
    fake = site_fake()
    fake.down = {"booking"}
    response = post_booking(signed_in(fake))
    assert response.status_code == 503
    assert "La réservation en ligne n'est pas disponible pour le moment." in response.text


def test_booking_unavailable_mid_form_keeps_the_same_key():
    from gateway.rpc_client import ServiceUnavailable

    fake = site_fake(**{"booking.create_booking": ServiceUnavailable("booking", "timeout")})
    response = post_booking(signed_in(fake))
    assert response.status_code == 503
    assert "ne sera pas enregistrée deux fois" in response.text
    assert hidden_key(response.text) == BOOKING_FORM["key"]


def test_the_booking_form_accepts_only_forms():
    fake = site_fake()
    response = client(fake).post("/reservations", json=BOOKING_FORM)
    assert is_problem(response, 415)["code"] == "unsupported_media_type"
    assert fake.domain_calls() == []


# --- clubs, 404 --------------------------------------------------------------------------------


def test_clubs_page_names_where_they_meet():
    html = client(site_fake()).get("/clubs").text
    assert "<h1>Clubs</h1>" in html and CLUB["name"] in html
    assert 'se retrouve à <a href="/places/p1">Tiers-lieu de Riez</a>' in html


def test_clubs_page_is_absent_where_clubs_does_not_run():
    fake = site_fake()
    fake.down = {"clubs"}
    assert client(fake).get("/clubs").status_code == 404


def test_unknown_pages_are_friendly_and_french():
    response = client(site_fake()).get("/nimporte/quoi")
    assert response.status_code == 404
    assert "Page introuvable" in response.text and '<html lang="fr">' in response.text
    assert "Retour à l'accueil" in response.text


def test_unknown_api_paths_stay_problem_json():
    for response in (
        client(site_fake()).get("/api/nimporte"),
        client(site_fake()).post("/nimporte", json={}),
    ):
        assert is_problem(response, 404)["code"] == "route_not_found"


# --- no English on a French page ---------------------------------------------------------------


def test_no_english_text_reaches_a_french_page():
    from babel.messages.pofile import read_po

    with i18n.po_path("en").open("rb") as po:
        catalog = read_po(po)
    english = {
        s
        for m in catalog
        if m.id
        for s in ([m.string] if isinstance(m.string, str) else m.string)
        if s and s not in ([m.id] if isinstance(m.id, str) else m.id) and len(s) > 8
    }
    english = {s.split("%(")[0] for s in english if len(s.split("%(")[0]) > 8}
    error = remote("booking", NoSeatLeft("full", seats_total=1, seats_taken=1, seats_requested=1))
    admin = signed_in(site_fake(**{"booking.create_booking": error}), roles=("admin",))
    anonymous = TestClient(admin.client.app, raise_server_exceptions=False)
    paths = ("/", "/places/p1", "/reservations/b1", "/clubs", "/x")
    pages = [anonymous.get(p).text for p in paths]
    pages += [admin.client.get(p).text for p in (*paths, "/profil", "/administration/roles")]
    pages.append(post_booking(admin).text)
    pages.append(post_booking(admin, name="Marceline").text)
    for html in pages:
        assert '<html lang="fr">' in html
        for text in english:
            assert text.replace("'", "&#39;") not in html and text not in html, text


# --- unsubscribing -----------------------------------------------------------------------------


def test_following_the_link_only_shows_a_confirmation_form():
    fake = FakeRpc()
    response = client(fake).get("/unsubscribe", params={"email": "<b>m@x.org", "token": "t1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="fr"' in response.text and 'method="post"' in response.text
    assert "&lt;b&gt;m@x.org" in response.text and "<b>m@x.org" not in response.text
    assert "Confirmer la désinscription" in response.text
    assert fake.domain_calls() == []  # a mail scanner fetching the link changes nothing


def test_the_unsubscribe_form_in_english():
    response = client(FakeRpc()).get(
        "/unsubscribe", params={"email": "m@x.org", "token": "t1"}, headers=ENGLISH
    )
    assert "Confirm unsubscribing" in response.text and "<strong>m@x.org</strong>" in response.text


def test_an_incomplete_link_says_so():
    response = client(FakeRpc()).get("/unsubscribe", params={"email": "m@x.org"})
    assert response.status_code == 400 and "incomplet" in response.text


def test_confirming_the_form_unsubscribes():
    fake = FakeRpc(script={("notifications", "unsubscribe"): {"unsubscribed": True}})
    response = client(fake).post("/unsubscribe", content=b"email=m%40x.org&token=t1", headers=FORM)
    assert response.status_code == 200 and "ne recevra plus" in response.text
    [call] = fake.domain_calls()
    assert (call.service, call.method, call.args) == (
        "notifications",
        "unsubscribe",
        ("m@x.org", "t1"),
    )


def test_one_click_unsubscribe_reads_the_link_itself():
    fake = FakeRpc(script={("notifications", "unsubscribe"): {"unsubscribed": True}})
    response = client(fake).post(
        "/unsubscribe?email=m%40x.org&token=t2",
        content=b"List-Unsubscribe=One-Click",
        headers=FORM,
    )
    assert response.status_code == 200
    assert fake.domain_calls()[0].args == ("m@x.org", "t2")


def test_a_forged_link_is_refused_kindly():
    error = remote("notifications", InvalidUnsubscribeLink("invalid", field="token"))
    fake = FakeRpc(script={("notifications", "unsubscribe"): error})
    response = client(fake).post("/unsubscribe", content=b"email=m%40x.org&token=bad", headers=FORM)
    assert response.status_code == 400 and "pas valide" in response.text


def test_without_notifications_the_page_says_to_retry_later():
    fake = FakeRpc(down={"notifications"})
    response = client(fake).post("/unsubscribe", content=b"email=m%40x.org&token=t", headers=FORM)
    assert response.status_code == 503 and "réessayer" in response.text


def test_forms_are_accepted_only_where_expected():
    response = client(FakeRpc()).post("/api/places", content=b"name=x", headers=FORM)
    assert response.status_code == 415


def test_an_end_at_midnight_ends_the_day_so_a_whole_day_can_be_booked():
    fake = site_fake()
    response = post_booking(signed_in(fake), start="00:00", end="00:00")
    assert response.status_code == 303
    [call] = created(fake)
    payload, _ = call.args
    assert (payload["start"], payload["end"]) == (
        "2030-05-02T00:00:00+02:00",
        "2030-05-03T00:00:00+02:00",
    )
