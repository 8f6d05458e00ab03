"""The local actors' pages (web_pages/actors.py): list, actor page and its contact form, the
coordinator's and owner's form, the work-stay portal, the reply page; French and English."""

from __future__ import annotations

from contracts.directory import ActorOut, ContactAlreadyReplied, ContactRefused
from contracts.errors import NotFound

from .fakes import accounts_client, client, form_body, member, remote, site_fake
from .test_actors import ACTOR, ACTOR_OUT, PAGE, SENT

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
THREAD = {
    "id": "c1",
    "target_type": "actor",
    "target_id": "a1",
    "recipient_name": "Gîte des Lavandes",
    "sender_name": "Véronique",
    "message": "Bonjour, avez-vous une chambre libre en mars ?",
    "created_at": "2026-11-26T08:00:00+00:00",
    "replied_at": None,
    "reply": None,
    "sender_email": None,
}
PORTAL = {
    "place": {
        "id": "p1",
        "name": "Tiers-lieu de Riez",
        "commune": "Riez",
        "location": {"lat": 43.8, "lon": 6.09},
    },
    "radius_km": 30,
    "sections": [
        {"category": c, "actors": [{**ACTOR_OUT, "distance_km": 0.3}] if c == "sleep" else []}
        for c in ("sleep", "eat", "go_out", "childcare", "it_services", "coworking")
    ],
    "coworking": [
        {
            "id": "p2",
            "name": "La Ruche",
            "commune": "Valensole",
            "location": {"lat": 43.8, "lon": 5.98},
            "distance_km": 9.1,
        }
    ],
}


def test_the_list_shows_actors_and_sends_the_filters():
    fake = site_fake(**{"directory.search_actors": PAGE})
    page = client(fake).get("/actors", params={"q": "gîte", "categorie": "sleep"})
    assert page.status_code == 200
    assert "Gîte des Lavandes" in page.text and "Dormir" in page.text
    [call] = [c for c in fake.domain_calls() if c.method == "search_actors"]
    assert call.args[0] == {"q": "gîte", "category": ["sleep"], "page": 1, "per_page": 20}
    english = client(fake).get("/actors", headers=ENGLISH)
    assert "Local actors" in english.text and "Sleep" in english.text


def test_an_actor_page_has_the_contact_form_with_its_honeypot_and_no_hidden_address():
    fake = site_fake(**{"directory.get_actor": ACTOR_OUT})
    page = client(fake).get("/actors/a1")
    assert page.status_code == 200
    assert 'name="website"' in page.text and 'class="hp"' in page.text
    assert "gite@example.org" not in page.text  # the directory left it out: not opted in
    assert "Modifier cette fiche" not in page.text  # anonymous
    shown = {**ACTOR_OUT, "email": "gite@example.org", "show_contact": True}
    fake.script[("directory", "get_actor")] = shown
    assert "mailto:gite@example.org" in client(fake).get("/actors/a1").text
    fake.script[("directory", "get_actor")] = remote("directory", NotFound("no", id="a9"))
    assert client(fake).get("/actors/a9").status_code == 404


def test_sending_the_contact_form_redirects_with_a_notice_and_says_no_in_words():
    fake = site_fake(**{"directory.get_actor": ACTOR_OUT, "directory.request_contact": SENT})
    api = client(fake)
    fields = {
        "target_id": "a1",
        "key": "k" * 32,
        "name": "Véronique",
        "email": "veronique@example.org",
        "message": "Bonjour, avez-vous une chambre libre en mars ?",
        "website": "",
    }
    sent = api.post("/contact", follow_redirects=False, **form_body(**fields))
    assert sent.status_code == 303 and sent.headers["location"] == "/actors/a1?envoye=1"
    [call] = [c for c in fake.domain_calls() if c.method == "request_contact"]
    payload, key = call.args
    assert key == "k" * 32 and payload["target_type"] == "actor" and "website" not in payload
    assert "Votre message est envoyé" in api.get("/actors/a1?envoye=1").text
    spam = remote("directory", ContactRefused("spam", reason="links"))
    fake.script[("directory", "request_contact")] = spam
    refused = api.post("/contact", **form_body(**{**fields, "website": "http://x.example"}))
    assert refused.status_code == 422 and "Message non envoyé" in refused.text
    assert "Véronique" in refused.text  # what they typed is kept


def test_the_add_form_is_for_staff_and_sends_the_record():
    fake = site_fake(**{"directory.create_actor": ACTOR_OUT})
    api, _, _ = accounts_client(fake)
    anonymous = api.get("/actors/new", follow_redirects=False)
    assert anonymous.status_code == 303
    plain = member(api, "v@example.org", "Véronique", browser=True)
    assert plain.client.get("/actors/new").status_code == 404
    staff = member(api, "c@example.org", "Coord", ("coordinator",), browser=True)
    assert "Ajouter un acteur" in staff.client.get("/actors/new").text
    fields = {
        "csrf_token": staff.csrf,
        "key": "k" * 32,
        "name": ACTOR["name"],
        "trade": ACTOR["trade"],
        "categories": "sleep",
        "commune": "Riez",
        "postal_code": "04500",
        "lat": "43,82",
        "lon": "6.095",
        "tags": "fibre, vélo",
        "email": "gite@example.org",
    }
    saved = staff.client.post("/actors/save", follow_redirects=False, **form_body(**fields))
    assert saved.status_code == 303 and saved.headers["location"] == "/actors/a1"
    [call] = [c for c in fake.domain_calls() if c.method == "create_actor"]
    record = call.args[0]
    assert record["location"] == {"lat": 43.82, "lon": 6.095}
    assert record["tags"] == ["fibre", "vélo"] and record["categories"] == ["sleep"]
    assert record["show_contact"] is False


def test_the_owner_edits_their_actor():
    api, _, _ = accounts_client(site_fake())
    owner = member(api, "o@example.org", "Odile", browser=True)
    mine = {**ACTOR_OUT, "owner_id": owner.id, "email": "gite@example.org"}
    api.app.state.rpc.script[("directory", "get_actor")] = mine
    api.app.state.rpc.script[("directory", "update_actor")] = mine
    assert "Modifier cette fiche" in owner.client.get("/actors/a1").text
    form = owner.client.get("/actors/a1/edit")
    assert form.status_code == 200 and 'value="gite@example.org"' in form.text
    other = member(api, "x@example.org", "Xavier", browser=True)
    assert other.client.get("/actors/a1/edit").status_code == 404


def test_the_portal_lists_each_section_and_coworking_places_in_both_languages():
    fake = site_fake(**{"directory.portal": PORTAL})
    page = client(fake).get("/portal", params={"place": "p1"})
    assert page.status_code == 200
    for words in ("Tiers-lieu de Riez", "Dormir", "Manger", "Aide informatique", "La Ruche"):
        assert words in page.text
    assert "<script" not in page.text and len(page.content) < 60_000
    [call] = [c for c in fake.domain_calls() if c.method == "portal"]
    assert call.args == ("p1",)
    english = client(fake).get("/portal", headers=ENGLISH)
    assert "Work stay" in english.text and "Childcare" in english.text


def test_the_reply_page_sends_the_answer_and_then_shows_the_senders_address():
    replied = {
        **THREAD,
        "replied_at": "2026-11-26T09:00:00+00:00",
        "reply": "Oui, c'est libre.",
        "sender_email": "veronique@example.org",
    }
    fake = site_fake(**{"directory.contact_request": THREAD, "directory.reply_contact": replied})
    api = client(fake)
    page = api.get("/contact/reply/tok-1")
    assert page.status_code == 200 and THREAD["message"] in page.text
    assert "veronique@example.org" not in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    fields = {
        "token": "tok-1",
        "key": "k" * 32,
        "message": "Oui, c'est libre.",
        "share_email": "on",
    }
    answered = api.post("/contact/reply", **form_body(**fields))
    assert answered.status_code == 200 and "veronique@example.org" in answered.text
    [call] = [c for c in fake.domain_calls() if c.method == "reply_contact"]
    assert call.args == ("tok-1", {"message": "Oui, c'est libre.", "share_email": True}, "k" * 32)
    twice = remote("directory", ContactAlreadyReplied("no", id="c1"))
    fake.script[("directory", "reply_contact")] = twice
    again = api.post("/contact/reply", **form_body(**{**fields, "message": "Autre"}))
    assert again.status_code == 409 and "Déjà répondu" in again.text
    fake.script[("directory", "contact_request")] = remote("directory", NotFound("no"))
    assert api.get("/contact/reply/wrong").status_code == 404


def test_actor_out_round_trips_the_sample():
    assert ActorOut.model_validate(ACTOR_OUT).email is None
