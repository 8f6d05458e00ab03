"""A club's meetings in the web client (web_pages/club_meetings.py): the coming meetings with
their room in words, the president's section with a refusal and its reason, and its forms
(plan a series, move, cancel, agenda) sent to the clubs service with their key."""

from __future__ import annotations

from urllib.parse import urlencode

from contracts.clubs import MeetingStarted

from .fakes import FakeRpc, accounts_client, client, member, remote, site_fake

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MEETINGS = [
    {
        "id": "s1:2030-05-02",
        "club_id": "c1",
        "series_id": "s1",
        "title": "Réunion du club",
        "start": "2030-05-02T09:00:00+02:00",
        "end": "2030-05-02T12:00:00+02:00",
        "status": "scheduled",
        "moved": False,
        "agenda": "1. Accueil des nouveaux",
        "room": {"state": "reserved", "resource_name": "Salle du lavoir"},
    },
    {
        "id": "s1:2030-06-06",
        "club_id": "c1",
        "series_id": "s1",
        "title": "Réunion du club",
        "start": "2030-06-06T09:00:00+02:00",
        "end": "2030-06-06T12:00:00+02:00",
        "status": "scheduled",
        "moved": False,
        "agenda": None,
        "room": {
            "state": "refused",
            "reason": "allowance_exceeded",
            "hours_per_month": 4,
            "hours_used": 3.0,
        },
    },  # fmt: skip
    {
        "id": "s1:2030-07-04",
        "club_id": "c1",
        "series_id": "s1",
        "title": "Réunion du club",
        "start": "2030-07-04T09:00:00+02:00",
        "end": "2030-07-04T12:00:00+02:00",
        "status": "cancelled",
        "moved": False,
        "agenda": None,
        "room": {"state": "released"},
    },
]


def fake(**script) -> FakeRpc:
    return site_fake(**{"clubs.list_meetings": MEETINGS, **script})


def president(rpc: FakeRpc):
    api, _, _ = accounts_client(rpc)
    return member(api, "odile@example.org", "Odile", browser=True)


def post(who, path: str, **fields):
    body = {"club_id": "c1", "key": "k" * 32, "csrf_token": who.csrf, **fields}
    return who.client.post(
        path, follow_redirects=False, content=urlencode(body).encode(), headers=FORM
    )


def test_anyone_sees_the_coming_meetings_with_their_room_in_words():
    html = client(fake()).get("/clubs/c1/reunions").text
    assert "<h1>Club photo du plateau</h1>" in html
    assert "jeudi 2 mai" in html and "9 h – 12 h" in html
    assert "Salle réservée : Salle du lavoir" in html
    assert "le club a déjà utilisé ses heures de salle gratuites ce mois-là." in html
    assert "1. Accueil des nouveaux" in html
    assert "annulée" in html
    assert 'action="/reunions/changer"' not in html  # no form for a visitor
    english = client(fake()).get("/clubs/c1/reunions", headers={"Accept-Language": "en"}).text
    assert "Room booked: Salle du lavoir" in english
    assert "the club has already used its free room hours for that month." in english


def test_the_president_sees_the_refusal_and_its_reason_then_plans_a_series():
    rpc = fake(**{"clubs.create_meeting_series": {"id": "s2"}})
    odile = president(rpc)
    html = odile.client.get("/clubs/c1/reunions/gerer").text
    assert "1 réunion sans salle" in html
    assert "4 h gratuites par mois, 3 h déjà prises" in html
    assert 'action="/reunions/planifier"' in html
    made = post(odile, "/reunions/planifier", title="Réunion mensuelle", every="month", nth="1",
                weekday="TH", first_date="02/05/2030", start_time="9h", end_time="12h",
                room="yes")  # fmt: skip
    assert made.status_code == 303 and made.headers["location"] == "/clubs/c1/reunions/gerer"
    (call,) = [c for c in rpc.domain_calls() if c.method == "create_meeting_series"]
    assert call.args == (
        "c1",
        {
            "title": "Réunion mensuelle",
            "rule": {"freq": "monthly", "weekday": "TH", "nth": [1]},
            "first_date": "2030-05-02",
            "start_time": "09:00:00",
            "end_time": "12:00:00",
            "room": True,
        },
        "k" * 32,
    )


def test_a_meeting_is_moved_cancelled_and_given_its_agenda_from_its_forms():
    rpc = fake(**{"clubs.update_meeting": MEETINGS[0]})
    odile = president(rpc)
    for fields, payload in (
        ({"action": "agenda", "agenda": "1. Bilan"}, {"agenda": "1. Bilan"}),
        ({"action": "cancel"}, {"status": "cancelled"}),
        (
            {"action": "move", "date": "2030-05-09", "start": "14:00", "end": "16:00"},
            {"start": "2030-05-09T14:00:00+02:00", "end": "2030-05-09T16:00:00+02:00"},
        ),
    ):
        answer = post(odile, "/reunions/changer", occurrence_id="s1:2030-05-02", **fields)
        assert answer.status_code == 303, answer.text
        call = [c for c in rpc.domain_calls() if c.method == "update_meeting"][-1]
        assert call.args == ("c1", "s1:2030-05-02", payload, "k" * 32)


def test_a_refusal_is_shown_on_the_page_in_words():
    rpc = fake(**{"clubs.update_meeting": remote("clubs", MeetingStarted("x", start="..."))})
    odile = president(rpc)
    answer = post(odile, "/reunions/changer", occurrence_id="s1:2030-05-02", action="cancel")
    assert answer.status_code == 409
    assert "Cette réunion a déjà commencé" in answer.text
    unreadable = post(odile, "/reunions/planifier", first_date="bientôt", start_time="9h")
    assert unreadable.status_code == 422
    assert "Vérifiez le jour, les heures et la règle de la série." in unreadable.text


def test_signed_out_the_presidents_page_asks_to_sign_in():
    answer = client(fake()).get("/clubs/c1/reunions/gerer", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/connexion?suite=/clubs/c1/reunions/gerer")


def test_a_year_of_meetings_stays_light_local_and_without_script():
    from .test_web_client import BUDGET, page_weight, parse

    year = [
        {
            **MEETINGS[1],
            "id": f"s1:2030-{month:02d}-06",
            "agenda": "1. Tour de table\n2. Projets",
            "start": f"2030-{month:02d}-06T09:00:00+02:00",
            "end": f"2030-{month:02d}-06T12:00:00+02:00",
        }
        for month in range(1, 13)
    ] * 5  # a weekly club's year: the page shows the next twelve

    rpc = fake(**{"clubs.list_meetings": year})
    odile = president(rpc)
    for who, path in (
        (client(rpc), "/clubs/c1/reunions"),
        (odile.client, "/clubs/c1/reunions/gerer"),
    ):
        assert who.get(path).status_code == 200
        sent, raw = page_weight(who, path)
        assert sent <= BUDGET and raw <= BUDGET, (path, raw)
        html = who.get(path).text
        assert "Et 48 autres réunions plus tard." in html
        page = parse(html)
        assert page.inline_scripts == 0
        assert all(r.startswith(("/", "#")) and not r.startswith("//") for r in page.refs)
