"""``/api/clubs`` (routers/clubs.py)."""

from __future__ import annotations

import pytest

from contracts.clubs import NoJoinRequest, NotAMember, PresidentMustHandOver
from contracts.errors import Forbidden, NotFound

from .fakes import FakeRpc, client, is_problem, remote


def test_list_clubs_asks_the_clubs_service():
    clubs = [{"id": "c1", "name": "Tricot", "place_id": "p1"}]
    fake = FakeRpc(script={("clubs", "list_clubs"): clubs})
    response = client(fake).get("/api/clubs")
    assert response.status_code == 200
    assert response.json()[0]["name"] == "Tricot"
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("clubs", "list_clubs", ())
    ]


def test_a_territory_without_clubs_answers_503_naming_it():
    fake = FakeRpc(down={"clubs"})
    body = is_problem(client(fake).get("/api/clubs"), 503, "service_unavailable")
    assert body["service"] == "clubs"


# --- a club, its members, requests, president, announcements (issue 10) -----------------------
CLUB_OUT = {
    "id": "c1",
    "name": "Club WordPress",
    "purpose": "",
    "place_id": "p1",
    "president_id": None,
    "acting_place": True,
    "status": "incubating",
    "join_policy": "approval",
    "members_visible": True,
    "members_count": 0,
}
STANDING = {"club_id": "c1", "member_id": "m1", "status": "member", "role": "member"}
ANNOUNCEMENT = {
    "id": "a1",
    "club_id": "c1",
    "author_id": "m1",
    "subject": "Réunion",
    "body": "Jeudi",
    "posted_at": "2026-11-26T09:00:00+00:00",
    "recipients": 3,
}
KEY = {"Idempotency-Key": "cle-1"}


@pytest.fixture(scope="module")
def app_client():
    fake = FakeRpc()
    return fake, client(fake)


@pytest.fixture
def api(app_client):
    """One app for the module (building one takes a while); each test its own script."""
    fake, http = app_client
    fake.script.clear()
    fake.calls.clear()
    return fake, http


@pytest.mark.parametrize(
    ("method", "path", "body", "rpc", "args", "answer", "status"),
    [
        ("GET", "/api/clubs?place=p1", None, "list_clubs", ("p1",), [CLUB_OUT], 200),
        (
            "POST",
            "/api/clubs",
            {"name": "Club WordPress", "place_id": "p1", "join_policy": "approval"},
            "create_club",
            (
                {
                    "name": "Club WordPress",
                    "purpose": "",
                    "place_id": "p1",
                    "join_policy": "approval",
                    "members_visible": True,
                },
                "cle-1",
            ),
            CLUB_OUT,
            201,
        ),
        ("GET", "/api/clubs/c1", None, "get_club", ("c1",), CLUB_OUT, 200),
        (
            "PATCH",
            "/api/clubs/c1",
            {"purpose": "Entraide"},
            "update_club",
            ("c1", {"purpose": "Entraide"}, "cle-1"),
            CLUB_OUT,
            200,
        ),
        (
            "PUT",
            "/api/clubs/c1/status",
            {"status": "autonomous"},
            "set_status",
            ("c1", {"status": "autonomous"}, "cle-1"),
            CLUB_OUT,
            200,
        ),
        (
            "PUT",
            "/api/clubs/c1/president",
            {"member_id": "m1"},
            "hand_over",
            ("c1", {"member_id": "m1"}, "cle-1"),
            CLUB_OUT,
            200,
        ),
        ("GET", "/api/clubs/c1/members", None, "list_members", ("c1",), [], 200),
        ("POST", "/api/clubs/c1/members", None, "join", ("c1", "cle-1"), STANDING, 200),
        ("GET", "/api/clubs/c1/members/me", None, "my_standing", ("c1",), STANDING, 200),
        ("DELETE", "/api/clubs/c1/members/m1", None, "leave", ("c1", "m1", "cle-1"), STANDING, 200),
        (
            "PUT",
            "/api/clubs/c1/members/m1/role",
            {"role": "co_organiser"},
            "set_role",
            ("c1", "m1", {"role": "co_organiser"}, "cle-1"),
            STANDING,
            200,
        ),
        ("GET", "/api/clubs/c1/join-requests", None, "list_join_requests", ("c1",), [], 200),
        (
            "POST",
            "/api/clubs/c1/join-requests/m1/approve",
            None,
            "answer_join_request",
            ("c1", "m1", {"approve": True}, "cle-1"),
            STANDING,
            200,
        ),
        (
            "POST",
            "/api/clubs/c1/join-requests/m1/refuse",
            None,
            "answer_join_request",
            ("c1", "m1", {"approve": False}, "cle-1"),
            {**STANDING, "status": "refused", "role": None},
            200,
        ),
        (
            "GET",
            "/api/clubs/c1/announcements",
            None,
            "list_announcements",
            ("c1",),
            [ANNOUNCEMENT],
            200,
        ),
        (
            "POST",
            "/api/clubs/c1/announcements",
            {"subject": "Réunion", "body": "Jeudi"},
            "post_announcement",
            ("c1", {"subject": "Réunion", "body": "Jeudi"}, "cle-1"),
            ANNOUNCEMENT,
            201,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("/") else None,
)
def test_each_club_route_hands_its_request_to_the_clubs_service(
    api, method, path, body, rpc, args, answer, status
):
    fake, http = api
    fake.script[("clubs", rpc)] = answer
    response = http.request(method, path, json=body, headers=KEY)
    assert response.status_code == status, response.text
    got = response.json()
    if isinstance(answer, dict):  # the response model adds its defaults
        assert got | answer == got
    else:
        assert [g | a for g, a in zip(got, answer, strict=True)] == got
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [("clubs", rpc, args)]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Forbidden("no", what="club", id="c1", action="x"), 403, "forbidden"),
        (NotFound("no", what="club", id="c1"), 404, "not_found"),
        (PresidentMustHandOver("no", member_id="m1"), 409, "president_must_hand_over"),
        (NotAMember("no", member_id="m9"), 409, "not_a_club_member"),
        (NoJoinRequest("no", member_id="m9"), 404, "no_join_request"),
    ],
)
def test_the_clubs_refusals_are_problems_with_their_codes(api, error, status, code):
    fake, http = api
    fake.script[("clubs", "leave")] = remote("clubs", error)
    body = is_problem(http.delete("/api/clubs/c1/members/m1"), status, code)
    assert body["code"] == code
    assert [c.method for c in fake.domain_calls()] == ["leave"]


def test_a_club_body_with_an_unknown_field_or_a_bad_policy_is_refused_before_any_call(api):
    fake, api = api
    is_problem(api.post("/api/clubs", json={"name": "X", "place_id": "p1", "boss": "me"}), 422)
    is_problem(
        api.post("/api/clubs", json={"name": "X", "place_id": "p1", "join_policy": "vip"}), 422
    )
    is_problem(api.put("/api/clubs/c1/members/m1/role", json={"role": "king"}), 422)
    assert fake.domain_calls() == []
