"""``/api/events`` and ``/api/agenda(.ics)`` (routers/workshops.py): each route forwards its
id, body and key to the clubs service, which decides; a body that breaks its model never
reaches it; the service's refusals are problems; the feed is iCalendar."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from contracts.clubs import CapacityBelowTaken, MembersOnly, WorkshopClosed
from contracts.errors import Forbidden, NotFound

from .fakes import FakeRpc, accounts_client, client, is_problem, remote, site_fake
from .test_account_pages import main_text, post, signed_in

WORKSHOP_IN = {
    "title": "Atelier compost",
    "place_id": "p1",
    "start": "2030-05-02T09:00:00",
    "end": "2030-05-02T12:00:00",
    "capacity": 12,
}
WORKSHOP_OUT = {
    "id": "w1",
    "title": "Atelier compost",
    "description": "",
    "place_id": "p1",
    "place_name": "Tiers-lieu de Riez",
    "start": "2030-05-02T09:00:00+02:00",
    "end": "2030-05-02T12:00:00+02:00",
    "capacity": 12,
    "taken": 3,
    "waiting": 0,
    "visibility": "public",
    "status": "confirmed",
    "room": {"status": "requested"},
}
RSVP_OUT = {"id": "r1", "workshop_id": "w1", "member_id": "m1", "status": "confirmed"}
ITEM = {
    "kind": "workshop",
    "id": "w1",
    "title": "Atelier compost",
    "place_id": "p1",
    "place_name": "Tiers-lieu de Riez",
    "start": "2030-05-02T09:00:00+02:00",
    "end": "2030-05-02T12:00:00+02:00",
    "status": "confirmed",
    "url": "/evenements/w1",
}
KEY = {"Idempotency-Key": "k-1"}


@pytest.mark.parametrize(
    ("method", "path", "body", "rpc", "args", "status"),
    [
        ("get", "/api/events?place_id=p1", None, "list_workshops", ("p1", None), 200),
        ("get", "/api/events/w1", None, "get_workshop", ("w1",), 200),
        ("patch", "/api/events/w1", {"capacity": 20}, "update_workshop",
         ("w1", {"capacity": 20}, "k-1"), 200),
        ("post", "/api/events/w1/cancel", None, "cancel_workshop", ("w1", "k-1"), 200),
        ("post", "/api/events/w1/rsvps", None, "rsvp", ("w1", "k-1"), 201),
        ("get", "/api/events/w1/rsvps/mine", None, "my_rsvp", ("w1",), 200),
        ("delete", "/api/events/w1/rsvps/mine", None, "cancel_rsvp", ("w1", "k-1"), 200),
        ("get", "/api/events/w1/rsvps", None, "list_rsvps", ("w1",), 200),
        ("put", "/api/events/w1/attendance", {"present": ["m1"]}, "take_attendance",
         ("w1", {"present": ["m1"]}, "k-1"), 200),
        ("get", "/api/agenda?place=p1", None, "agenda", ("p1", None, None), 200),
    ],
)  # fmt: skip
def test_each_route_forwards_the_id_the_body_and_the_key(method, path, body, rpc, args, status):
    answers = {
        "list_workshops": [WORKSHOP_OUT],
        "list_rsvps": [RSVP_OUT],
        "agenda": [ITEM],
        "take_attendance": {"workshop_id": "w1", "registered": 1, "present": 1, "absent": 0},
    }
    fake = FakeRpc(
        script={("clubs", rpc): answers.get(rpc, RSVP_OUT if "rsvp" in rpc else WORKSHOP_OUT)}
    )
    options = {"json": body} if body is not None else {}
    response = client(fake).request(method.upper(), path, headers=KEY, **options)
    assert response.status_code == status, response.text
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [("clubs", rpc, args)]


def test_a_new_event_takes_the_directory_s_place_name_and_local_times():
    fake = FakeRpc(
        script={
            ("directory", "get_place"): {"id": "p1", "name": "Tiers-lieu de Riez"},
            ("clubs", "create_workshop"): WORKSHOP_OUT,
        }
    )
    response = client(fake).post(
        "/api/events", json={**WORKSHOP_IN, "place_name": "Faux"}, headers=KEY
    )
    assert response.status_code == 201, response.text
    [_, created] = fake.domain_calls()
    payload, key = created.args
    assert key == "k-1"
    assert payload["place_name"] == "Tiers-lieu de Riez"
    assert payload["start"] == "2030-05-02T09:00:00+02:00"  # Paris summer time


def test_an_event_is_made_without_the_directory_when_it_is_away():
    fake = FakeRpc(down={"directory"}, script={("clubs", "create_workshop"): WORKSHOP_OUT})
    assert client(fake).post("/api/events", json=WORKSHOP_IN).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {**WORKSHOP_IN, "end": WORKSHOP_IN["start"]},
        {**WORKSHOP_IN, "capacity": 0},
        {**WORKSHOP_IN, "min_participants": 3},  # a minimum needs a deadline
        {**WORKSHOP_IN, "min_participants": 13, "deadline": "2030-05-01T18:00:00"},
        {**WORKSHOP_IN, "visibility": "members"},  # members of no club
        {**WORKSHOP_IN, "title": "Atelier =?utf-8?q?x?="},
    ],
)
def test_a_body_that_breaks_its_model_never_reaches_the_service(body):
    fake = FakeRpc(script={("directory", "get_place"): {"name": "Riez"}})
    is_problem(client(fake).post("/api/events", json=body), 422)
    assert [c for c in fake.domain_calls() if c.service == "clubs"] == []


@pytest.mark.parametrize(
    ("rpc", "method", "path", "error", "status", "code"),
    [
        ("rsvp", "POST", "/api/events/w1/rsvps", WorkshopClosed("x", id="w1", status="cancelled"),
         409, "workshop_closed"),
        ("rsvp", "POST", "/api/events/w1/rsvps", MembersOnly("x", id="w1"), 403,
         "workshop_members_only"),
        ("update_workshop", "PATCH", "/api/events/w1", CapacityBelowTaken("x", capacity=1, taken=3),
         409, "capacity_below_taken"),
        ("list_rsvps", "GET", "/api/events/w1/rsvps", Forbidden("x", what="workshop", id="w1"),
         403, "forbidden"),
        ("get_workshop", "GET", "/api/events/w9", NotFound("x", what="workshop", id="w9"), 404,
         "not_found"),
    ],
)  # fmt: skip
def test_the_service_s_refusals_are_problems(rpc, method, path, error, status, code):
    fake = FakeRpc(script={("clubs", rpc): remote("clubs", error)})
    options = {"json": {"capacity": 1}} if method == "PATCH" else {}
    body = is_problem(client(fake).request(method, path, **options), status, code)
    assert body["code"] == code
    # The refusal is the service's, passed on: the call reached it.
    assert [c.method for c in fake.domain_calls()] == [rpc]


def test_the_participants_csv_is_an_attachment():
    fake = FakeRpc(script={("clubs", "participants_csv"): "name;email\r\nAnne;a@x\r\n"})
    response = client(fake).get("/api/events/w1/participants.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("name;email")


def test_the_agenda_feed_is_icalendar_with_the_invitations_uid():
    cancelled = {**ITEM, "id": "w2", "status": "cancelled", "title": "Repair café"}
    fake = FakeRpc(
        script={
            ("clubs", "agenda"): [ITEM, cancelled],
            ("directory", "get_place"): {"id": "p1", "name": "Tiers-lieu de Riez"},
        }
    )
    response = client(fake).get("/api/agenda.ics?place=p1", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Agenda – Tiers-lieu de Riez"
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"workshop-w1@maillage", "workshop-w2@maillage"}
    assert str(events["workshop-w2@maillage"]["status"]) == "CANCELLED"
    assert str(events["workshop-w2@maillage"]["summary"]) == "Annulé : Repair café"
    assert (
        events["workshop-w1@maillage"].decoded("dtstart").isoformat() == "2030-05-02T07:00:00+00:00"
    )
    assert [(c.method, c.args) for c in fake.domain_calls()][0] == ("agenda", ("p1", None, None))


def test_a_territory_without_clubs_answers_503_naming_it():
    body = is_problem(
        client(FakeRpc(down={"clubs"})).get("/api/agenda.ics"), 503, "service_unavailable"
    )
    assert body["service"] == "clubs"


# --- the web pages (web_pages/workshop_pages.py) -----------------------------------------------
def test_the_agenda_page_groups_by_day_and_offers_the_feed():
    fake = FakeRpc(
        script={
            ("clubs", "agenda"): [ITEM],
            ("directory", "get_place"): {"id": "p1", "name": "Tiers-lieu de Riez"},
        }
    )
    page = client(fake).get("/places/p1/agenda")
    assert page.status_code == 200
    assert len(page.content) < 60_000
    text = main_text(page.text)
    assert "Agenda – Tiers-lieu de Riez" in text
    assert "jeudi 2 mai 2030" in text and "de 9 h à 12 h" in text
    assert 'href="/api/agenda.ics?place=p1"' in page.text
    assert 'href="/evenements/w1"' in page.text


def test_an_event_page_invites_a_visitor_to_sign_in_and_shows_no_organiser_tools():
    fake = FakeRpc(script={("clubs", "get_workshop"): WORKSHOP_OUT, ("clubs", "my_rsvp"): None})
    page = client(fake).get("/evenements/w1")
    assert page.status_code == 200
    text = main_text(page.text)
    assert "3 inscrits sur 12 places" in text
    assert "Se connecter pour s'inscrire" in text
    assert "participants.csv" not in page.text and "Pour l'organisateur" not in text


def test_an_event_the_clubs_service_does_not_know_is_a_404_page():
    fake = FakeRpc(
        script={("clubs", "get_workshop"): remote("clubs", NotFound("x", what="workshop", id="w9"))}
    )
    assert client(fake).get("/evenements/w9").status_code == 404


def test_the_attendance_page_posts_who_came_then_comes_back():
    started = {**WORKSHOP_OUT, "start": "2020-05-02T09:00:00+02:00"}
    rsvps = [
        {**RSVP_OUT, "name": "Anne Martin"},
        {**RSVP_OUT, "id": "r2", "member_id": "m2", "name": "Bruno Petit"},
        {**RSVP_OUT, "id": "r3", "member_id": "m3", "name": "Céline", "status": "waitlisted"},
    ]
    web, events, _ = accounts_client(
        site_fake(
            **{
                "clubs.get_workshop": started,
                "clubs.list_rsvps": rsvps,
                "clubs.take_attendance": {"workshop_id": "w1", "present": 1},
            }
        )
    )
    assert web.get("/evenements/w1/presences", follow_redirects=False).status_code == 303
    csrf = signed_in(web, events)
    html = web.get("/evenements/w1/presences").text
    text = main_text(html)
    assert "Anne Martin" in text and "Bruno Petit" in text
    assert "Céline" not in text  # waiting: no seat, no attendance
    response = post(
        web, "/evenements/presences", csrf_token=csrf, event_id="w1", key="k" * 32,
        **{"present-m1": "1"},
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/evenements/w1/presences"
    [call] = [c for c in web.app.state.rpc.domain_calls() if c.method == "take_attendance"]
    assert call.args == ("w1", {"present": ["m1"]}, "k" * 32)
    refused = post(web, "/evenements/presences", csrf_token="wrong", event_id="w1")
    assert refused.status_code == 403


@pytest.mark.parametrize("may_organise", [True, False])
def test_the_event_page_offers_the_organiser_tools_when_the_clubs_service_says_so(may_organise):
    # A club's president who manages no place: the clubs service alone knows they organise.
    event = {**WORKSHOP_OUT, "club_id": "c1", "may_organise": may_organise}
    web, events, _ = accounts_client(
        site_fake(**{"clubs.get_workshop": event, "clubs.my_rsvp": None})
    )
    signed_in(web, events)
    html = web.get("/evenements/w1").text
    assert ("Pour l'organisateur" in main_text(html)) is may_organise
    assert ("participants.csv" in html) is may_organise


def test_new_times_go_to_the_service_together_in_local_time_or_not_at_all():
    fake = FakeRpc(script={("clubs", "update_workshop"): WORKSHOP_OUT})
    times = {"start": "2030-05-02T14:00:00", "end": "2030-05-02T16:00:00"}
    assert client(fake).patch("/api/events/w1", json=times, headers=KEY).status_code == 200
    [call] = fake.domain_calls()
    assert call.args == (
        "w1",
        {"start": "2030-05-02T14:00:00+02:00", "end": "2030-05-02T16:00:00+02:00"},
        "k-1",
    )
    for body in ({"start": times["start"]}, {"start": times["end"], "end": times["start"]}):
        is_problem(client(fake).patch("/api/events/w1", json=body, headers=KEY), 422)
    assert len(fake.domain_calls()) == 1  # the broken bodies never reached it
