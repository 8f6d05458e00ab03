"""``/api/clubs/{id}/meetings`` (routers/meetings.py): bodies checked with the clubs
contract before any call, the key passed on, the service's refusals as problems."""

from __future__ import annotations

from contracts.clubs import MeetingCancelled
from contracts.errors import Forbidden

from .fakes import FakeRpc, client, is_problem, remote

MEETING = {
    "id": "s1:2030-05-02",
    "club_id": "c1",
    "series_id": "s1",
    "title": "Réunion du club",
    "start": "2030-05-02T09:00:00+02:00",
    "end": "2030-05-02T12:00:00+02:00",
    "status": "scheduled",
    "moved": False,
    "agenda": None,
    "room": {"state": "refused", "reason": "room_taken"},
}
SERIES = {
    "title": "Réunion du club",
    "rule": {"freq": "monthly", "weekday": "TH", "nth": [1]},
    "first_date": "2030-05-02",
    "start_time": "09:00",
    "end_time": "12:00",
}
SERIES_OUT = {
    "id": "s1",
    "club_id": "c1",
    "title": "Réunion du club",
    "rule": SERIES["rule"],
    "start_time": "09:00:00",
    "end_time": "12:00:00",
    "timezone": "Europe/Paris",
    "first_date": "2030-05-02",
    "until": None,
    "scheduled_until": "2031-05-02",
    "occurrences": [MEETING],
}


def test_the_coming_meetings_show_their_room():
    fake = FakeRpc(script={("clubs", "list_meetings"): [MEETING]})
    response = client(fake).get("/api/clubs/c1/meetings")
    assert response.status_code == 200
    assert response.json()[0]["room"] == {
        "state": "refused",
        "reason": "room_taken",
        "booking_id": None,
        "resource_name": None,
        "hours_per_month": None,
        "hours_used": None,
    }
    assert [(c.method, c.args) for c in fake.domain_calls()] == [("list_meetings", ("c1", False))]
    client(fake).get("/api/clubs/c1/meetings?include_past=true")
    assert fake.domain_calls()[-1].args == ("c1", True)


def test_a_series_is_planned_with_its_key():
    fake = FakeRpc(script={("clubs", "create_meeting_series"): SERIES_OUT})
    response = client(fake).post(
        "/api/clubs/c1/meetings", json=SERIES, headers={"Idempotency-Key": "plan-1"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["occurrences"][0]["id"] == "s1:2030-05-02"
    (call,) = fake.domain_calls()
    sent = {**SERIES, "start_time": "09:00:00", "end_time": "12:00:00"}
    assert (call.method, call.args) == ("create_meeting_series", ("c1", sent, "plan-1"))


def test_an_incoherent_rule_is_refused_before_any_call():
    fake = FakeRpc()
    body = {**SERIES, "rule": {"freq": "monthly", "weekday": "TH"}}
    is_problem(client(fake).post("/api/clubs/c1/meetings", json=body), 422, "validation_failed")
    later = {**SERIES, "start_time": "12:00", "end_time": "09:00"}
    is_problem(client(fake).post("/api/clubs/c1/meetings", json=later), 422, "validation_failed")
    assert fake.domain_calls() == []


def test_a_meeting_is_moved_cancelled_or_given_its_agenda():
    fake = FakeRpc(script={("clubs", "update_meeting"): MEETING})
    move = {"start": "2030-05-09T09:00:00+02:00", "end": "2030-05-09T12:00:00+02:00"}
    for body in (move, {"status": "cancelled"}, {"agenda": "1. Accueil"}):
        response = client(fake).patch(
            "/api/clubs/c1/meetings/s1:2030-05-02", json=body, headers={"Idempotency-Key": "k-1"}
        )
        assert response.status_code == 200, response.text
        assert fake.domain_calls()[-1].args == ("c1", "s1:2030-05-02", body, "k-1")
    is_problem(
        client(fake).patch("/api/clubs/c1/meetings/x", json={"start": move["start"]}),
        422,
        "validation_failed",
    )


def test_the_services_refusals_are_problems_in_the_readers_language():
    fake = FakeRpc(
        script={
            ("clubs", "update_meeting"): remote("clubs", MeetingCancelled("x", id="s1:2030-05-02")),
            ("clubs", "create_meeting_series"): remote(
                "clubs", Forbidden("no", what="club", id="c1", action="plan")
            ),
        }
    )
    body = is_problem(
        client(fake).patch(
            "/api/clubs/c1/meetings/s1:2030-05-02",
            json={"status": "cancelled"},
            headers={"Accept-Language": "en"},
        ),
        409,
        "meeting_cancelled",
    )
    assert body["title"] == "Meeting cancelled"
    is_problem(client(fake).post("/api/clubs/c1/meetings", json=SERIES), 403, "forbidden")


def test_a_territory_without_clubs_answers_503():
    fake = FakeRpc(down={"clubs"})
    body = is_problem(client(fake).get("/api/clubs/c1/meetings"), 503, "service_unavailable")
    assert body["service"] == "clubs"
