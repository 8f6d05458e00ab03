"""The member's profile: GET and PATCH /api/me."""

from __future__ import annotations

import pytest

from contracts.identity import Caller

from .fakes import BOOKING_OUT, FakeRpc, accounts_client, is_problem
from .test_auth import EMAIL, PASSWORD, bearer, confirmed, fresh


@pytest.fixture
def member():
    """(client with a bearer token, events, db)."""
    api, events, db = accounts_client()
    confirmed(fresh(api), events)
    api.headers["Authorization"] = f"Bearer {bearer(api)}"
    return api, events, db


def test_me_needs_someone_signed_in():
    api, events, _ = accounts_client()
    assert is_problem(api.get("/api/me"), 401)["code"] == "authentication_required"
    patched = api.patch("/api/me", json={"name": "X"})
    assert is_problem(patched, 401)["code"] == "authentication_required"
    assert events.emitted == []  # no member_updated for nobody


def test_me_shows_the_profile_with_its_defaults(member):
    api, _, db = member
    me = api.get("/api/me").json()
    assert me["id"] == db.members.find_one({"email": EMAIL})["_id"]
    assert me["email"] == EMAIL and me["name"] == "Véronique" and me["language"] == "fr"
    assert me["consent_statistics"] is False  # not counted unless the member says so
    assert me["commune"] is me["audience"] is me["phone"] is None
    assert me["roles"] == [] and me["has_password"] is True
    assert "password_hash" not in me and PASSWORD not in str(me)


def test_me_shows_the_territory_roles(member):
    api, _, db = member
    db.members.update_one({"email": EMAIL}, {"$set": {"roles": ["admin", "coordinator"]}})
    assert api.get("/api/me").json()["roles"] == ["admin", "coordinator"]


def test_patch_changes_only_what_is_sent_and_emits_member_updated(member):
    api, events, db = member
    response = api.patch(
        "/api/me",
        json={
            "name": "  Véronique   Martin ",
            "language": "en",
            "commune": "Riez",
            "audience": "teleworker",
            "consent_statistics": True,
            "phone": "+33 6 12 34 56 78",
        },
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["name"] == "Véronique Martin" and me["language"] == "en"
    assert me["commune"] == "Riez" and me["audience"] == "teleworker"
    assert me["consent_statistics"] is True and me["phone"] == "+33 6 12 34 56 78"
    [updated] = events.of("member_updated")
    assert updated == {
        "member_id": me["id"],
        "email": EMAIL,
        "name": "Véronique Martin",
        "language": "en",
        "previous_email": None,  # not a change of address
        "timezone": "Europe/Paris",  # the times of their emails (no choice of zone yet)
    }
    cleared = api.patch("/api/me", json={"phone": None, "name": None}).json()
    assert cleared["phone"] is None and cleared["name"] == "Véronique Martin"
    assert db.members.find_one({"email": EMAIL})["commune"] == "Riez"


@pytest.mark.parametrize(
    "body",
    [
        {"audience": "astronaut"},
        {"language": "de"},
        {"name": "Véronique\nBcc: x@example.org"},
        {"name": ""},
        {"phone": "call me"},
        {"email": "other@example.org"},  # changing the address needs its own confirmation
        {"roles": ["admin"]},  # roles are granted, never taken
        {"consent_statistics": "yes please"},
    ],
)
def test_patch_refuses_what_is_not_a_profile(member, body):
    api, events, _ = member
    is_problem(api.patch("/api/me", json=body), 422, "validation_failed")
    assert not events.of("member_updated")


def test_the_member_language_is_the_pages_language():
    api, events, _ = accounts_client()
    csrf = confirmed(api, events)
    api.patch("/api/me", json={"language": "en"}, headers={"X-CSRF-Token": csrf})
    api.app.state.rpc.script[("directory", "list_places")] = []
    api.app.state.rpc.script[("booking", "list_resources")] = []
    api.app.state.rpc.script[("clubs", "list_clubs")] = []
    page = api.get("/", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert '<html lang="en"' in page.text


# --- my bookings (the booking service answers for the caller) -------------------------------
def test_my_bookings_needs_someone_signed_in():
    fake = FakeRpc()
    api, _, _ = accounts_client(fake)
    assert is_problem(api.get("/api/me/bookings"), 401)["code"] == "authentication_required"
    assert fake.domain_calls() == []


def test_my_bookings_asks_booking_as_the_member():
    fake = FakeRpc(script={("booking", "my_bookings"): [BOOKING_OUT]})
    api, events, db = accounts_client(fake)
    confirmed(fresh(api), events)
    api.headers["Authorization"] = f"Bearer {bearer(api)}"
    response = api.get("/api/me/bookings")
    assert response.status_code == 200, response.text
    assert [b["id"] for b in response.json()] == ["b1"]
    [call] = fake.domain_calls()
    caller = Caller.from_context(call.context)
    assert call.method == "my_bookings" and call.args == ()
    assert caller.member_id == db.members.find_one({"email": EMAIL})["_id"]
    assert caller.email == EMAIL


def test_the_operator_has_no_bookings_of_their_own():
    fake = FakeRpc()
    api, _, _ = accounts_client(fake, admin_token="s3cret-token")
    response = api.get("/api/me/bookings", headers={"Authorization": "Bearer s3cret-token"})
    assert is_problem(response, 401)["code"] == "authentication_required"
    assert fake.domain_calls() == []


# --- my clubs (the clubs service answers for the caller) ------------------------------------
MY_CLUB = {
    "club_id": "c1",
    "club_name": "Club WordPress",
    "place_id": "p1",
    "status": "member",
    "role": "president",
    "joined_at": "2030-01-02T10:00:00+00:00",
    "manages": True,
}


def test_my_clubs_needs_someone_signed_in():
    fake = FakeRpc()
    api, _, _ = accounts_client(fake)
    assert is_problem(api.get("/api/me/clubs"), 401)["code"] == "authentication_required"
    assert fake.domain_calls() == []


def test_my_clubs_asks_clubs_as_the_member():
    fake = FakeRpc(script={("clubs", "my_clubs"): [MY_CLUB]})
    api, events, db = accounts_client(fake)
    confirmed(fresh(api), events)
    api.headers["Authorization"] = f"Bearer {bearer(api)}"
    response = api.get("/api/me/clubs")
    assert response.status_code == 200, response.text
    assert [(c["club_name"], c["role"], c["manages"]) for c in response.json()] == [
        ("Club WordPress", "president", True)
    ]
    [call] = fake.domain_calls()
    assert call.method == "my_clubs" and call.args == ()
    assert (
        Caller.from_context(call.context).member_id == db.members.find_one({"email": EMAIL})["_id"]
    )
