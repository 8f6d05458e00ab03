"""Preferences per kind of message at the edge (fake RPC): ``GET/PUT /api/me/email-preferences``,
the page reached by the signed link of every email (no sign-in), the profile's page, and the
one-click unsubscribe of one kind."""

from __future__ import annotations

from contracts.identity import Caller
from contracts.notifications import InvalidUnsubscribeLink, UnknownMessageKind

from .fakes import FakeRpc, accounts_client, client, is_problem, member, remote, site_fake

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}
KINDS = {"bookings": True, "clubs": True, "directory": True, "digests": False}
KINDS["announcements"] = True
PREFS = {"email": "m@x.org", "kinds": KINDS, "stopped_all": False}


def fake(**script) -> FakeRpc:
    return site_fake(
        **{
            "notifications.my_email_preferences": PREFS,
            "notifications.set_my_email_preferences": PREFS,
            "notifications.email_preferences": PREFS,
            "notifications.set_email_preferences": PREFS,
            **script,
        }
    )


def calls(rpc: FakeRpc, method: str):
    return [c for c in rpc.domain_calls() if c.method == method]


# -- the API -----------------------------------------------------------------------------------
def test_the_api_needs_a_member():
    api, _, _ = accounts_client(fake())
    assert is_problem(api.get("/api/me/email-preferences"), 401)["code"] == (
        "authentication_required"
    )
    put = api.put("/api/me/email-preferences", json={"kinds": {"clubs": False}})
    assert is_problem(put, 401)["code"] == "authentication_required"


def test_a_member_reads_and_sets_their_own_with_their_identity_and_key():
    rpc = fake()
    api, _, _ = accounts_client(rpc)
    thierry = member(api)
    assert thierry.client.get("/api/me/email-preferences").json() == PREFS
    response = thierry.client.put(
        "/api/me/email-preferences",
        json={"kinds": {"clubs": False, "digests": True}},
        headers={"Idempotency-Key": "k" * 32},
    )
    assert response.status_code == 200 and response.json() == PREFS
    [call] = calls(rpc, "set_my_email_preferences")
    assert call.args == ({"clubs": False, "digests": True}, "k" * 32)
    assert Caller.from_context(call.context).member_id == thierry.id  # asked as themselves


def test_an_unknown_kind_is_refused_at_the_edge():
    rpc = fake()
    api, _, _ = accounts_client(rpc)
    thierry = member(api)
    refused = thierry.client.put("/api/me/email-preferences", json={"kinds": {"spam": True}})
    assert refused.status_code == 422
    refused = thierry.client.put("/api/me/email-preferences", json={"kinds": {"clubs": "no"}})
    assert refused.status_code == 422
    assert calls(rpc, "set_my_email_preferences") == []


def test_a_refusal_of_the_service_is_a_problem_in_the_reader_s_words():
    error = remote("notifications", UnknownMessageKind("x", kind="x", kinds=[]))
    api, _, _ = accounts_client(fake(**{"notifications.set_my_email_preferences": error}))
    thierry = member(api)
    answer = thierry.client.put("/api/me/email-preferences", json={"kinds": {"clubs": True}})
    assert is_problem(answer, 422)["code"] == "unknown_message_kind"


# -- by the signed link of an email -------------------------------------------------------------
def test_the_link_shows_a_checkbox_per_kind_without_signing_in():
    rpc = fake()
    page = client(rpc).get("/preferences-email", params={"email": "m@x.org", "token": "t1"})
    assert page.status_code == 200 and 'lang="fr"' in page.text
    assert "Les messages que vous recevez" in page.text
    for kind in KINDS:
        assert f'name="kind_{kind}"' in page.text
    assert 'id="genre-bookings" name="kind_bookings" type="checkbox" value="oui"' in page.text
    assert 'name="kind_digests" type="checkbox" value="oui" aria' in page.text  # not checked
    assert "Le résumé de la semaine" in page.text
    [call] = calls(rpc, "email_preferences")
    assert call.args == ("m@x.org", "t1")


def test_the_link_s_page_in_english():
    page = client(fake()).get(
        "/preferences-email", params={"email": "m@x.org", "token": "t1"}, headers=ENGLISH
    )
    assert "The emails you receive" in page.text and "The weekly digest" in page.text


def test_saving_the_link_s_form_sends_every_box_ticked_or_not():
    rpc = fake()
    body = b"email=m%40x.org&token=t1&kind_bookings=oui&kind_digests=oui&key=" + b"a" * 32
    page = client(rpc).post("/preferences-email", content=body, headers=FORM)
    assert page.status_code == 200 and "Vos choix sont enregistrés." in page.text
    [call] = calls(rpc, "set_email_preferences")
    assert call.args == (
        "m@x.org",
        "t1",
        {
            "bookings": True,
            "clubs": False,
            "directory": False,
            "digests": True,
            "announcements": False,
        },
        "a" * 32,
    )


def test_a_forged_or_incomplete_link_is_refused_kindly():
    error = remote("notifications", InvalidUnsubscribeLink("invalid", field="token"))
    rpc = fake(**{"notifications.email_preferences": error})
    page = client(rpc).get("/preferences-email", params={"email": "m@x.org", "token": "bad"})
    assert page.status_code == 400 and "pas valide" in page.text
    assert client(rpc).get("/preferences-email", params={"email": "m@x.org"}).status_code == 400


def test_without_notifications_the_page_says_to_retry_later():
    rpc = fake()
    rpc.down.add("notifications")
    page = client(rpc).get("/preferences-email", params={"email": "m@x.org", "token": "t"})
    assert page.status_code == 503


# -- from the profile ----------------------------------------------------------------------
def test_the_profile_leads_to_the_member_s_own_page_and_saves_it():
    rpc = fake()
    api, _, _ = accounts_client(rpc)
    veronique = member(api, "veronique@example.org", "Véronique", browser=True)
    assert '<a href="/profil/messages">' in veronique.client.get("/profil").text
    page = veronique.client.get("/profil/messages")
    assert page.status_code == 200 and 'name="kind_clubs"' in page.text
    assert 'name="token"' not in page.text  # signed in: no link needed
    body = f"csrf_token={veronique.csrf}&kind_clubs=oui".encode()
    saved = veronique.client.post(
        "/profil/messages", content=body, headers=FORM, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/profil/messages"
    [call] = calls(rpc, "set_my_email_preferences")
    assert call.args[0] == {
        "bookings": False,
        "clubs": True,
        "directory": False,
        "digests": False,
        "announcements": False,
    }
    assert (
        "Vos choix de messages sont enregistrés." in veronique.client.get("/profil/messages").text
    )


def test_the_profile_s_page_needs_a_member_and_its_form_the_session_s_token():
    rpc = fake()
    api, _, _ = accounts_client(rpc)
    away = api.get("/profil/messages", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/connexion")
    veronique = member(api, "veronique@example.org", "Véronique", browser=True)
    forged = veronique.client.post("/profil/messages", content=b"kind_clubs=oui", headers=FORM)
    assert forged.status_code in (400, 403)
    assert calls(rpc, "set_my_email_preferences") == []


# -- one-click per kind ----------------------------------------------------------------------------
def test_the_link_of_a_kind_offers_to_stop_that_kind_and_the_preferences():
    rpc = FakeRpc()
    page = client(rpc).get(
        "/unsubscribe", params={"email": "m@x.org", "token": "t1", "kind": "clubs"}
    )
    assert "Vous ne recevrez plus les messages « Mes clubs »" in page.text
    assert 'name="kind" value="clubs"' in page.text
    assert "/preferences-email?email=m%40x.org&amp;token=t1" in page.text
    assert rpc.domain_calls() == []  # a mail scanner fetching the link changes nothing


def test_one_click_of_a_kind_stops_that_kind_only():
    rpc = FakeRpc(script={("notifications", "unsubscribe"): {"unsubscribed": True}})
    response = client(rpc).post(
        "/unsubscribe?email=m%40x.org&token=t2&kind=bookings",
        content=b"List-Unsubscribe=One-Click",
        headers=FORM,
    )
    assert response.status_code == 200 and "« Mes réservations »" in response.text
    [call] = rpc.domain_calls()
    assert call.args == ("m@x.org", "t2", "bookings")


def test_an_unknown_kind_in_a_link_stops_nothing_more_than_asked():
    # Not a kind this gateway knows: the page asks about everything, as a link without kind.
    page = client(FakeRpc()).get(
        "/unsubscribe", params={"email": "m@x.org", "token": "t1", "kind": "<b>"}
    )
    assert 'name="kind"' not in page.text and "&lt;b&gt;" not in page.text
