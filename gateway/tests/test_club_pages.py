"""The clubs' pages (web_pages/clubs.py): the territory's and a place's clubs, a club's page
with join / leave, the managers' page (requests, members, announcements, the presidency), in
French and English, without JavaScript (POST then 303), refusals in words."""

from __future__ import annotations

import pytest

from contracts.clubs import PresidentMustHandOver
from contracts.errors import Forbidden, NotFound

from .fakes import PLACE_OUT, FakeRpc, accounts_client, client, form_body, member, remote, site_fake

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
CLUB = {
    "id": "c1",
    "name": "Club WordPress",
    "purpose": "S'entraider pour faire vivre nos sites.",
    "place_id": "p1",
    "president_id": None,
    "president_name": None,
    "acting_place": True,
    "status": "incubating",
    "status_changed_at": None,
    "join_policy": "approval",
    "members_visible": True,
    "members_count": 2,
}
NOBODY = {"club_id": "c1", "member_id": "", "status": "none", "role": None, "manages": False}
MEMBERS = [
    {"member_id": "m-anne", "name": "Anne", "role": "co_organiser", "joined_at": None},
    {"member_id": "m-bruno", "name": "Bruno", "role": "member", "joined_at": None},
]
REQUESTS = [{"member_id": "m-carla", "name": "Carla", "requested_at": "2026-11-20T09:00:00+00:00"}]
ANNOUNCEMENTS = [
    {
        "id": "a1",
        "club_id": "c1",
        "author_id": "m-anne",
        "subject": "Réunion de décembre",
        "body": "Jeudi à 9 h",
        "posted_at": "2026-11-20T09:00:00+00:00",
        "recipients": 2,
    }
]


def fake(**standing) -> FakeRpc:
    rpc = site_fake()
    rpc.script.update(
        {
            ("clubs", "list_clubs"): [CLUB],
            ("clubs", "get_club"): CLUB,
            ("clubs", "my_standing"): {**NOBODY, **standing},
            ("clubs", "list_members"): MEMBERS,
            ("clubs", "list_join_requests"): REQUESTS,
            ("clubs", "list_announcements"): ANNOUNCEMENTS,
        }
    )
    return rpc


def browser(rpc: FakeRpc, manages=()):
    api, _, _ = accounts_client(rpc)
    return member(api, "veronique@example.org", "Véronique", (), manages, browser=True)


def test_the_territorys_and_a_places_clubs_link_to_each_club():
    rpc = fake()
    web = client(rpc)
    html = web.get("/clubs").text
    assert 'href="/clubs/c1"' in html and "Club WordPress" in html and "2 membres" in html
    here = web.get("/clubs?lieu=p1").text
    assert f"Les clubs de {PLACE_OUT['name']}" in here
    assert ("clubs", "list_clubs", ("p1",)) in [(c.service, c.method, c.args) for c in rpc.calls]
    assert 'href="/clubs?lieu=p1"' in web.get("/places/p1").text
    assert "The clubs of" in web.get("/clubs?lieu=p1", headers=ENGLISH).text


def test_a_clubs_page_says_the_place_acts_as_president_and_offers_to_sign_in():
    rpc = fake()
    rpc.script[("clubs", "list_members")] = remote("clubs", Forbidden("no", what="club"))
    html = client(rpc).get("/clubs/c1").text
    assert "en attendant qu'un membre prenne la présidence" in html
    assert "/connexion?suite=/clubs/c1" in html
    assert "Anne" not in html  # the list is the members' only
    english = client(rpc).get("/clubs/c1", headers=ENGLISH).text
    assert "until a member takes the presidency" in english


def test_an_unknown_club_is_a_404_page():
    rpc = fake()
    rpc.script[("clubs", "get_club")] = remote("clubs", NotFound("no", what="club", id="x"))
    assert client(rpc).get("/clubs/x").status_code == 404


def test_a_member_asks_to_join_then_the_page_says_so():
    rpc = fake()
    who = browser(rpc)
    rpc.script[("clubs", "join")] = {"club_id": "c1", "member_id": who.id, "status": "requested"}
    html = who.client.get("/clubs/c1").text
    assert "Demander à rejoindre le club" in html
    sent = who.client.post(
        "/clubs/rejoindre",
        **form_body(csrf_token=who.csrf, key="k" * 32, club_id="c1"),
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/clubs/c1"
    assert ("clubs", "join", ("c1", "k" * 32)) in [(c.service, c.method, c.args) for c in rpc.calls]
    rpc.script[("clubs", "my_standing")] = {**NOBODY, "member_id": who.id, "status": "requested"}
    after = who.client.get("/clubs/c1").text
    assert "attend la réponse de la présidence" in after and "envoyée" in after  # the flash


def test_a_form_without_its_csrf_token_is_refused():
    rpc = fake()
    who = browser(rpc)
    sent = who.client.post("/clubs/rejoindre", **form_body(key="k" * 32, club_id="c1"))
    assert sent.status_code == 403
    assert "join" not in [c.method for c in rpc.calls]


def test_the_president_cannot_leave_and_reads_why():
    rpc = fake(status="member", role="president", manages=True)
    who = browser(rpc)
    rpc.script[("clubs", "leave")] = remote("clubs", PresidentMustHandOver("no", member_id=who.id))
    sent = who.client.post(
        "/clubs/quitter", **form_body(csrf_token=who.csrf, key="k" * 32, club_id="c1")
    )
    assert sent.status_code == 409
    assert "abord la présidence à un autre membre" in sent.text


def test_the_managers_page_lists_requests_members_and_leaves_room_for_meetings():
    rpc = fake(status="none", manages=True)
    who = browser(rpc, manages=("p1",))
    html = who.client.get("/clubs/c1/gestion").text
    assert "Carla" in html and "Accepter" in html and "Refuser" in html
    assert "Nommer co-organisateur" in html and "Retirer la co-organisation" in html
    assert "Écrire aux membres" in html and "Réunion de décembre" in html
    assert "Transmettre la présidence" in html
    assert len(html.encode()) < 60_000
    rpc.script[("clubs", "answer_join_request")] = {}
    sent = who.client.post(
        "/clubs/gestion/demandes",
        **form_body(
            csrf_token=who.csrf, key="k" * 32, club_id="c1", member_id="m-carla", decision="approve"
        ),
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/clubs/c1/gestion"
    calls = [(c.method, c.args) for c in rpc.calls if c.service == "clubs"]
    assert ("answer_join_request", ("c1", "m-carla", {"approve": True}, "k" * 32)) in calls


@pytest.mark.parametrize(
    ("path", "fields", "method", "args"),
    [
        ("membres", {"member_id": "m-bruno", "action": "remove"}, "leave", ("c1", "m-bruno")),
        (
            "membres",
            {"member_id": "m-bruno", "action": "co_organiser"},
            "set_role",
            ("c1", "m-bruno", {"role": "co_organiser"}),
        ),
        (
            "annonces",
            {"subject": "Réunion", "body": "Jeudi"},
            "post_announcement",
            ("c1", {"subject": "Réunion", "body": "Jeudi"}),
        ),
        ("presidence", {"member_id": "m-anne"}, "hand_over", ("c1", {"member_id": "m-anne"})),
    ],
)
def test_each_managers_form_calls_clubs_with_its_key(path, fields, method, args):
    rpc = fake(manages=True)
    rpc.script[("clubs", method)] = {}
    who = browser(rpc, manages=("p1",))
    sent = who.client.post(
        f"/clubs/gestion/{path}",
        **form_body(csrf_token=who.csrf, key="k" * 32, club_id="c1", **fields),
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    calls = [(c.method, c.args) for c in rpc.calls if c.service == "clubs"]
    assert (method, (*args, "k" * 32)) in calls


def test_the_managers_page_refuses_who_does_not_manage():
    rpc = fake(status="member", role="member", manages=False)
    who = browser(rpc)
    assert who.client.get("/clubs/c1/gestion").status_code == 403
    assert client(rpc).get("/clubs/c1/gestion", follow_redirects=False).status_code == 303


MY_CLUBS = [
    {
        "club_id": "c1",
        "club_name": "Club WordPress",
        "place_id": "p1",
        "status": "member",
        "role": "president",
        "joined_at": "2026-11-02T09:00:00+00:00",
        "manages": True,
    },
    {
        "club_id": "c2",
        "club_name": "Club des hôtes",
        "place_id": "p1",
        "status": "requested",
        "role": None,
        "requested_at": "2026-11-20T09:00:00+00:00",
        "manages": False,
    },
]


def test_my_clubs_lists_the_members_clubs_and_requests_linked_from_profile_and_clubs():
    rpc = fake()
    rpc.script[("clubs", "my_clubs")] = MY_CLUBS
    assert client(rpc).get("/mes-clubs", follow_redirects=False).headers["location"] == (
        "/connexion?suite=/mes-clubs"
    )
    web = browser(rpc).client
    page = web.get("/mes-clubs")
    assert page.status_code == 200 and len(page.content) < 60_000
    html = page.text
    assert 'href="/clubs/c1"' in html and "Président·e" in html
    assert 'href="/clubs/c1/gestion"' in html and 'href="/clubs/c2/gestion"' not in html
    assert "Demande en attente de réponse" in html and "20 novembre" in html
    assert ("clubs", "my_clubs", ()) in [(c.service, c.method, c.args) for c in rpc.calls]
    assert 'href="/mes-clubs"' in web.get("/profil").text
    assert 'href="/mes-clubs"' in web.get("/clubs").text
    rpc.script[("clubs", "my_clubs")] = []
    assert "Vous n'êtes dans aucun club pour l'instant." in web.get("/mes-clubs").text
